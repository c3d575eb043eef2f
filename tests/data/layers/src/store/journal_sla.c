#include "journal_p.h"
#include "owners.h"
