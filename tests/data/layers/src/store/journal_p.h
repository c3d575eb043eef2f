#include "journal.h"
#include "rules.h"
