#include "log.h"
struct owners;
