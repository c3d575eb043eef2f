/* fake tree for tests/layers.sh --self-test */
void log_line(const char *);
