#include "agent_p.h"
#include "explain.h"
