#include "log.h"
struct mail;
