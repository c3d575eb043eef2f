#include "config.h"
#include "init-resources.h"
#include "log.h"
