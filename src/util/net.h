/*
 * net.h: what leadroute needs to know of a host name before it connects:
 * whether the connection stays on this machine, where plaintext (no TLS)
 * is allowed without allow_plaintext (spec section 3).
 */
#ifndef LR_NET_H
#define LR_NET_H

#include <glib.h>

/* host as in a URL ("[::1]" allowed, a trailing dot ignored) is loopback:
 * 127.0.0.0/8, ::1, ::ffff:127.x.x.x, or localhost and *.localhost when
 * they resolve, and only to such addresses. Other names are not looked
 * up: they are remote. */
gboolean net_host_is_loopback(const char *host);

/* Test-only: when this environment variable is set, no host is loopback
 * (tests on 127.0.0.1 then use STARTTLS and verify certificates). */
#define NET_TEST_REMOTE_ENV	"LEADROUTE_TEST_LOOPBACK_IS_REMOTE"

#endif
