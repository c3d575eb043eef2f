#include "rules.h"
struct explain;
