#include "journal.h"
#include "smtp.h"
struct agent;
