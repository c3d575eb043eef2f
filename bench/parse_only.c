/*
 * parse_only.c: the parse-only baseline of bench/explain.
 *
 * Reads each message into memory and has GMime parse it
 * (g_mime_parser_construct_message on a memory stream), then frees it:
 * nothing else. The parser options are the ones leadroute uses (loose
 * RFC 2047, parameter and address compliance; UTF-8, windows-1252
 * fallback), so the two programs do the same parsing work.
 *
 * usage: parse_only DIR      every *.eml file in DIR, in name order
 *        parse_only < LIST   every file named on standard input, one a line
 *
 * Prints "messages bytes" to standard output; exit 1 if a file could not
 * be read or GMime returned no message.
 *
 * Build: cc -O2 -o parse_only parse_only.c $(pkg-config --cflags --libs gmime-3.0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

static GMimeParserOptions *options;
static unsigned long messages, failures;
static unsigned long long bytes;

static void
parse_file(const char *path)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	gchar *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		fprintf(stderr, "parse_only: %s: cannot read\n", path);
		failures++;
		return;
	}
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, options);
	if (msg == NULL) {
		fprintf(stderr, "parse_only: %s: not parsed\n", path);
		failures++;
	} else
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_free(data);
	messages++;
	bytes += len;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
parse_dir(const char *dir)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	const char *name;

	if (d == NULL) {
		fprintf(stderr, "parse_only: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	while ((name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.' && g_str_has_suffix(name, ".eml"))
			g_ptr_array_add(files, g_build_filename(dir, name,
			    NULL));
	g_dir_close(d);
	g_ptr_array_sort(files, compare_names);
	for (guint i = 0; i < files->len; i++)
		parse_file(g_ptr_array_index(files, i));
	g_ptr_array_free(files, TRUE);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };
	char line[4096];

	g_mime_init();
	options = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(options, fallback);

	if (argc > 2) {
		fprintf(stderr, "usage: parse_only [DIR] (else file names on "
		    "standard input)\n");
		return 2;
	}
	if (argc == 2) {
		if (parse_dir(argv[1]) != 0)
			return 1;
	} else {
		while (fgets(line, sizeof line, stdin) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] != '\0')
				parse_file(line);
		}
	}
	printf("%lu %llu\n", messages, bytes);
	g_mime_parser_options_free(options);
	g_mime_shutdown();
	return failures > 0 ? 1 : 0;
}
