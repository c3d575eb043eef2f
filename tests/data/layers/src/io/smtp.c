#include "config.h"
#include <string.h>
#include "smtp.h"
#include "log.h"
