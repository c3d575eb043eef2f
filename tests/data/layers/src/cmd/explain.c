#include "config.h"
#include "explain.h"
#include "mail.h"
