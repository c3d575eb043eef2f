#include "config.h"
#include <stdio.h>
#include "log.h"
