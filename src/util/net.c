/*
 * net.c: whether a host is this machine: an address literal, or a name
 * whose every address is.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static gboolean
addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) &&
		    a6->s6_addr[12] == 127);
	}
	return FALSE;
}

/* A name is loopback when it resolves, and only to loopback addresses
 * (a "localhost" name of /etc/hosts or a resolver could point anywhere). */
static gboolean
name_is_loopback(const char *name)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	gboolean r;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return FALSE;
	r = res != NULL;
	for (ai = res; ai != NULL && r; ai = ai->ai_next)
		r = addr_is_loopback(ai->ai_addr);
	freeaddrinfo(res);
	return r;
}

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
		r = name_is_loopback(h);
	else if (inet_pton(AF_INET, h, &a4) == 1)
		r = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, h, &a6) == 1)
		r = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	g_free(h);
	return r;
}
