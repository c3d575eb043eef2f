#include "config.h"
#include "mail.h"
#include "status.h"
