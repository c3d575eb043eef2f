#include "rules_p.h"
#include "log.h"
