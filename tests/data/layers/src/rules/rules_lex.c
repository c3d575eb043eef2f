#include "config.h"
#include "rules_p.h"
