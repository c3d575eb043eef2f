#include "rules.h"
struct token;
