/*
 * parse_only.c: the parse-only baseline of bench/explain.
 *
 * Reads each message into memory and has GMime parse it
 * (g_mime_parser_construct_message on a memory stream), then frees it:
 * nothing else. The parser options are the ones leadroute uses (loose
 * RFC 2047, parameter and address compliance; UTF-8, windows-1252
 * fallback), so the two programs do the same parsing work.
 *
 * With --decode it is the decode peer (issue 19): a fair floor for any
 * router, which must decode what it routes on. After the parse it takes
 * the message's first text part (text/plain, else text/html), decoded
 * to UTF-8 by GMime (transfer encoding and charset), lowercases it and
 * routes by keyword: the first of a few offer words found in it (or
 * "review"), counted per destination so nothing is optimised away.
 *
 * usage: parse_only [--decode] DIR      every *.eml file in DIR, in name order
 *        parse_only [--decode] < LIST   every file named on standard input
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
static int decode;
static const char *keywords[] = { "audit", "dashboard", "pipeline",
    "training", "workshop", "support", "migration", "consulting", NULL };
static unsigned long routed[G_N_ELEMENTS(keywords)];

/* The first text/plain part, else the first text/html one. */
static GMimeTextPart *
first_text(GMimeObject *o, int want_html)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));

		for (int i = 0; i < n; i++) {
			GMimeTextPart *t = first_text(g_mime_multipart_get_part(
			    GMIME_MULTIPART(o), i), want_html);

			if (t != NULL)
				return t;
		}
		return NULL;
	}
	if (GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text",
	    want_html ? "html" : "plain"))
		return GMIME_TEXT_PART(o);
	return NULL;
}

/* Decode the text body and route it by keyword. */
static void
route(GMimeMessage *msg)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);
	GMimeTextPart *t = NULL;
	char *text, *lower;
	guint i;

	if (body != NULL && (t = first_text(body, 0)) == NULL)
		t = first_text(body, 1);
	text = t != NULL ? g_mime_text_part_get_text(t) : NULL;
	lower = g_utf8_strdown(text != NULL ? text : "", -1);
	for (i = 0; keywords[i] != NULL; i++)
		if (strstr(lower, keywords[i]) != NULL)
			break;
	routed[i]++;
	g_free(lower);
	g_free(text);
}

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
	} else {
		if (decode)
			route(msg);
		g_object_unref(msg);
	}
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

	if (argc > 1 && strcmp(argv[1], "--decode") == 0) {
		decode = 1;
		argc--;
		argv++;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: parse_only [--decode] [DIR] (else file "
		    "names on standard input)\n");
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
	if (decode)
		for (guint i = 0; i < G_N_ELEMENTS(routed); i++)
			fprintf(stderr, "%s %lu\n", keywords[i] != NULL ?
			    keywords[i] : "review", routed[i]);
	g_mime_parser_options_free(options);
	g_mime_shutdown();
	return failures > 0 ? 1 : 0;
}
