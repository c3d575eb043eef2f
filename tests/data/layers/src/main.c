#include "config.h"
#include <stdlib.h>
#include "agent.h"
#include "explain.h"
