/*
 * filer.c: the queue every filer shares, and the dry run's filer.
 */
#include "config.h"

#include "filer.h"

void
filer_init(struct filer *f, const struct filer_ops *ops)
{
	f->ops = ops;
	f->queue = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
}

void
filer_queue(struct filer *f, const char *folder, const struct filer_item *it)
{
	GArray *arr = g_hash_table_lookup(f->queue, folder);

	if (arr == NULL) {
		arr = g_array_new(FALSE, FALSE, sizeof(struct filer_item));
		g_hash_table_insert(f->queue, g_strdup(folder), arr);
	}
	g_array_append_val(arr, *it);
}

enum lr_status
filer_make(struct filer *f, const char *folder)
{
	return f->ops->make(f, folder);
}

enum lr_status
filer_flush(struct filer *f, filer_done_fn done, void *ctx)
{
	GHashTableIter it;
	gpointer k, v;
	enum lr_status st = LR_OK;

	/* a folder that refuses does not keep the others from being filed;
	 * a lost connection does */
	g_hash_table_iter_init(&it, f->queue);
	while (st != LR_BADSOURCE && g_hash_table_iter_next(&it, &k, &v)) {
		GArray *arr = v;
		enum lr_status one;

		one = f->ops->file(f, k, (const struct filer_item *)arr->data,
		    arr->len, done, ctx);
		if (one != LR_OK && st == LR_OK)
			st = one;
		if (one == LR_BADSOURCE)
			st = one;
		g_hash_table_iter_remove(&it);
	}
	g_hash_table_remove_all(f->queue);
	return st;
}

void
filer_forget(struct filer *f)
{
	g_hash_table_remove_all(f->queue);
}

void
filer_free(struct filer *f)
{
	if (f == NULL)
		return;
	g_hash_table_destroy(f->queue);
	f->ops->free(f);
}

/* --- a dry run: nothing filed ---------------------------------------- */

static enum lr_status
none_make(struct filer *f, const char *folder)
{
	(void)f;
	(void)folder;
	return LR_OK;
}

static enum lr_status
none_file(struct filer *f, const char *folder, const struct filer_item *items,
    guint n, filer_done_fn done, void *ctx)
{
	(void)f;
	(void)folder;
	(void)items;
	(void)n;
	(void)done;
	(void)ctx;
	return LR_OK;
}

static void
none_free(struct filer *f)
{
	g_free(f);
}

static const struct filer_ops none_ops = { none_make, none_file, none_free };

struct filer *
filer_none_new(void)
{
	struct filer *f = g_new0(struct filer, 1);

	filer_init(f, &none_ops);
	return f;
}
