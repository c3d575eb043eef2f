/*
 * maildir.c: Maildir++ delivery (maildir.h). The order is the one qmail
 * set: write tmp/NAME, fsync it, rename it to new/NAME, fsync new/. The
 * name is unique to this host, process and moment, so nothing is ever
 * overwritten.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "maildir.h"

#define MAILDIR_MODE	0700	/* directories made here */
#define MAILDIR_FILE	0600	/* messages */

char *
maildir_folder_path(const char *root, const char *folder)
{
	GString *s;

	if (folder == NULL || *folder == '\0' ||
	    g_ascii_strcasecmp(folder, "INBOX") == 0)
		return g_strdup(root);
	s = g_string_new(root);
	g_string_append(s, "/.");
	for (const char *p = folder; *p != '\0'; p++)
		g_string_append_c(s, *p == '/' ? '.' : *p);
	return g_string_free(s, FALSE);
}

/* dir with cur/, new/ and tmp/; a subfolder also gets "maildirfolder".
 * A directory made here is synced into its parent, so that a crash does
 * not lose the folder of a message delivered into it. */
static gboolean
make_maildir(const char *dir, gboolean sub, char **why)
{
	static const char *const parts[] = { "cur", "new", "tmp" };
	gboolean made = !g_file_test(dir, G_FILE_TEST_IS_DIR);

	if (g_mkdir_with_parents(dir, MAILDIR_MODE) != 0) {
		*why = g_strdup_printf("cannot make %s: %s", dir,
		    g_strerror(errno));
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
		char *p = g_build_filename(dir, parts[i], NULL);
		int rc = mkdir(p, MAILDIR_MODE);

		if (rc != 0 && errno != EEXIST) {
			*why = g_strdup_printf("cannot make %s: %s", p,
			    g_strerror(errno));
			g_free(p);
			return FALSE;
		}
		g_free(p);
	}
	if (sub) {
		char *p = g_build_filename(dir, "maildirfolder", NULL);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, MAILDIR_FILE);

		if (fd >= 0)
			close(fd);
		g_free(p);
	}
	if (made) {
		char *parent = g_path_get_dirname(dir);

		(void)fileio_sync_dir(dir);
		(void)fileio_sync_dir(parent);
		g_free(parent);
	}
	return TRUE;
}

/* "TIME.MusecPpidQn.HOST", with "/" and ":" in HOST escaped as the
 * Maildir convention asks. */
static char *
unique_name(void)
{
	static guint count;
	char host[256];
	GString *h = g_string_new(NULL);
	struct timespec ts;
	char *name;

	if (gethostname(host, sizeof host) != 0)
		g_strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	for (const char *p = host; *p != '\0'; p++) {
		if (*p == '/')
			g_string_append(h, "\\057");
		else if (*p == ':')
			g_string_append(h, "\\072");
		else
			g_string_append_c(h, *p);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	name = g_strdup_printf("%lld.M%06ldP%ldQ%u.%s", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), ++count, h->str);
	g_string_free(h, TRUE);
	return name;
}

enum lr_status
maildir_put(const char *root, const char *folder, const char *data,
    gsize len, char **why)
{
	char *dir = maildir_folder_path(root, folder), *name = unique_name();
	char *tmp = g_build_filename(dir, "tmp", name, NULL);
	char *new = g_build_filename(dir, "new", name, NULL);
	char *newdir = g_build_filename(dir, "new", NULL);
	enum lr_status st = LR_TEMPFAIL;
	gboolean made = FALSE;	/* tmp is ours to remove on failure */
	int fd = -1;

	*why = NULL;
	if (strcmp(dir, root) != 0 && !make_maildir(root, FALSE, why))
		goto out;
	if (!make_maildir(dir, strcmp(dir, root) != 0, why))
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, MAILDIR_FILE);
	if (fd < 0) {
		*why = g_strdup_printf("cannot create %s: %s", tmp,
		    g_strerror(errno));
		goto out;
	}
	made = TRUE;
	if (!fileio_write_all(fd, data, len) || fsync(fd) != 0) {
		*why = g_strdup_printf("cannot write %s: %s", tmp,
		    g_strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*why = g_strdup_printf("cannot write %s: %s", tmp,
		    g_strerror(errno));
		goto out;
	}
	fd = -1;
	/* link, not rename: a name taken (it cannot be, but) is an error,
	 * never an overwrite; rename where links are not supported */
	if (link(tmp, new) == 0)
		(void)unlink(tmp);
	else if ((errno != EPERM && errno != ENOTSUP && errno != EXDEV) ||
	    rename(tmp, new) != 0) {
		*why = g_strdup_printf("cannot move %s into new/: %s", tmp,
		    g_strerror(errno));
		goto out;
	}
	made = FALSE;	/* it is in new/ now */
	if (!fileio_sync_dir(newdir)) {
		*why = g_strdup_printf("cannot sync %s: %s", newdir,
		    g_strerror(errno));
		goto out;	/* reported, left: a retry files a copy */
	}
	st = LR_OK;
out:
	if (fd >= 0)
		close(fd);
	if (st != LR_OK && made)
		(void)unlink(tmp);	/* no half message left behind */
	g_free(newdir);
	g_free(new);
	g_free(tmp);
	g_free(name);
	g_free(dir);
	return st;
}
