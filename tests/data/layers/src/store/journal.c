#include "journal_p.h"
