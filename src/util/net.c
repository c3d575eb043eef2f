/*
 * net.c: host names, without resolving them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

gboolean
net_host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	char *h;
	gsize n;
	gboolean r = FALSE;

	if (host == NULL || *host == '\0')
		return FALSE;
	/* Test-only: treat loopback as remote, so that tests on 127.0.0.1
	 * go through STARTTLS and certificate checks as a remote host would. */
	if (getenv(NET_TEST_REMOTE_ENV) != NULL)
		return FALSE;
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']')
		h = g_strndup(host + 1, n - 2);
	else
		h = g_ascii_strdown(host, -1);
	if (g_str_has_suffix(h, "."))
		h[strlen(h) - 1] = '\0';
	if (strcmp(h, "localhost") == 0 || g_str_has_suffix(h, ".localhost"))
		r = TRUE;
	else if (inet_pton(AF_INET, h, &a4) == 1)
		r = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, h, &a6) == 1)
		r = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	g_free(h);
	return r;
}
