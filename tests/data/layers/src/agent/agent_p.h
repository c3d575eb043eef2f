#include "agent.h"
struct round;
