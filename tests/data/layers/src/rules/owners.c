#include "config.h"
#include "owners.h"
