#include "mail.h"
struct rules;
