#include "status.h"
struct journal;
