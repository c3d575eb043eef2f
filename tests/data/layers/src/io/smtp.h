#include "status.h"
struct smtp;
