/*
 * test_maildir.c: Maildir++ filing for `deliver`: folder names to
 * directories, a whole message in new/ and nothing left in tmp/, two
 * messages never sharing a name, and a clear error where nothing can be
 * written.
 */
#include "testlib.h"

#include "maildir.h"

/* The names in dir, sorted; NULL-terminated (g_strfreev). */
static char **
names(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *a = g_ptr_array_new();
	const char *n;

	assert_non_null(d);
	while ((n = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(a, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(a, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static void
test_folder_path(void **state)
{
	char *p;

	(void)state;
	p = maildir_folder_path("/m", "Leads/Owners/dana");
	assert_string_equal(p, "/m/.Leads.Owners.dana");
	g_free(p);
	p = maildir_folder_path("/m", "INBOX");
	assert_string_equal(p, "/m");
	g_free(p);
	p = maildir_folder_path("/m", "");
	assert_string_equal(p, "/m");
	g_free(p);
}

static void
test_put(void **state)
{
	char *root = g_dir_make_tmp("lr-maildir-XXXXXX", NULL);
	char *box = g_build_filename(root, ".Leads.Review", NULL);
	char *new = g_build_filename(box, "new", NULL);
	char *tmp = g_build_filename(box, "tmp", NULL);
	char *cur = g_build_filename(box, "cur", NULL);
	char *marker = g_build_filename(box, "maildirfolder", NULL);
	char *rnew = g_build_filename(root, "new", NULL);
	char *argv[] = { "rm", "-rf", root, NULL };
	char *why = NULL, *file, *text = NULL, **first, **both, **left;
	const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	int status = -1;
	gsize len;

	(void)state;
	assert_int_equal(maildir_put(root, "Leads/Review", msg,
	    sizeof msg - 1, &why), LR_OK);
	assert_null(why);
	first = names(new);
	assert_int_equal(g_strv_length(first), 1);
	file = g_build_filename(new, first[0], NULL);
	assert_true(g_file_get_contents(file, &text, &len, NULL));
	assert_int_equal(len, sizeof msg - 1);
	assert_memory_equal(text, msg, len);
	assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));
	assert_true(g_file_test(cur, G_FILE_TEST_IS_DIR));
	/* the root is a maildir too, so clients see the tree */
	assert_true(g_file_test(rnew, G_FILE_TEST_IS_DIR));
	/* nothing left in tmp/ */
	left = names(tmp);
	assert_int_equal(g_strv_length(left), 0);
	/* a second message gets its own name */
	assert_int_equal(maildir_put(root, "Leads/Review", msg,
	    sizeof msg - 1, &why), LR_OK);
	both = names(new);
	assert_int_equal(g_strv_length(both), 2);
	assert_true(g_strv_contains((const char *const *)both, first[0]));
	assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
	    NULL, NULL, NULL, &status, NULL));
	assert_int_equal(status, 0);
	g_strfreev(first);
	g_strfreev(both);
	g_strfreev(left);
	g_free(file);
	g_free(text);
	g_free(rnew);
	g_free(marker);
	g_free(cur);
	g_free(tmp);
	g_free(new);
	g_free(box);
	g_free(root);
}

static void
test_cannot_write(void **state)
{
	char *dir = g_dir_make_tmp("lr-maildir-XXXXXX", NULL);
	char *file = g_build_filename(dir, "a-file", NULL);
	char *root = g_build_filename(file, "Maildir", NULL);
	char *why = NULL;

	(void)state;
	assert_true(g_file_set_contents(file, "x", 1, NULL));
	assert_int_equal(maildir_put(root, "Leads/Review", "x", 1, &why),
	    LR_TEMPFAIL);
	assert_non_null(why);
	assert_non_null(strstr(why, "cannot make"));
	assert_non_null(strstr(why, "Not a directory"));
	g_free(why);
	assert_int_equal(g_remove(file), 0);
	assert_int_equal(g_rmdir(dir), 0);
	g_free(root);
	g_free(file);
	g_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_path),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_cannot_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
