#include "agent_p.h"
