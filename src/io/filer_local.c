/*
 * filer_local.c: the filers of `leadroute deliver`, for one message from
 * a pipe: into a Maildir folder (never twice: a message filed before is
 * left where it is), or its folder printed for the caller, who files it
 * (every time it asks, so a retried delivery is told again).
 */
#include "config.h"

#include "filer.h"
#include "log.h"
#include "maildir.h"

struct filer_local {
	struct filer base;
	const char *root;	/* the Maildir; NULL: print */
	const char *data;
	size_t len;
	FILE *out;
};

static enum lr_status
local_make(struct filer *f, const char *folder)
{
	(void)f;
	(void)folder;		/* made as a message goes in */
	return LR_OK;
}

static enum lr_status
maildir_file(struct filer *f, const char *folder,
    const struct filer_item *items, guint n, filer_done_fn done, void *ctx)
{
	struct filer_local *fl = (struct filer_local *)f;
	char *why = NULL;

	for (guint i = 0; i < n; i++) {
		if (items[i].again)
			continue;
		if (maildir_put(fl->root, folder, fl->data, fl->len, &why) !=
		    LR_OK) {
			log_warnx("deliver: filing in %s: %s", folder, why);
			g_free(why);
			return LR_TEMPFAIL;
		}
		done(&items[i], folder, ctx);
	}
	return LR_OK;
}

static enum lr_status
print_file(struct filer *f, const char *folder, const struct filer_item *items,
    guint n, filer_done_fn done, void *ctx)
{
	struct filer_local *fl = (struct filer_local *)f;

	for (guint i = 0; i < n; i++) {
		fprintf(fl->out, "%s\n", folder);
		if (fflush(fl->out) != 0 || ferror(fl->out)) {
			log_warn("deliver: writing the folder on stdout");
			return LR_TEMPFAIL;
		}
		if (!items[i].again)
			done(&items[i], folder, ctx);
	}
	return LR_OK;
}

static void
local_free(struct filer *f)
{
	g_free(f);
}

static const struct filer_ops maildir_ops = {
	local_make, maildir_file, local_free
};
static const struct filer_ops print_ops = {
	local_make, print_file, local_free
};

struct filer *
filer_maildir_new(const char *root, const char *data, size_t len)
{
	struct filer_local *fl = g_new0(struct filer_local, 1);

	filer_init(&fl->base, &maildir_ops);
	fl->root = root;
	fl->data = data;
	fl->len = len;
	return &fl->base;
}

struct filer *
filer_print_new(FILE *out)
{
	struct filer_local *fl = g_new0(struct filer_local, 1);

	filer_init(&fl->base, &print_ops);
	fl->out = out;
	return &fl->base;
}
