/*
 * imap_mailbox.c: the IMAP source's folders and messages (see imap.h):
 * folder names translated to the server's (its separator, modified
 * UTF-7), SELECT, UID SEARCH and FETCH, keywords, MOVE (or COPY, delete
 * and expunge), LIST and CREATE. The connection is imap.c's.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <libetpan/libetpan.h>

#include "imap_p.h"
#include "log.h"

/* Append s[0..len) as modified UTF-7 base64 (RFC 3501 5.1.3). */
static void
mutf7_run(GString *out, const char *s, gsize len)
{
	gunichar2 *u16;
	glong n, i;
	guchar *be;
	char *b64, *p;

	u16 = g_utf8_to_utf16(s, (glong)len, NULL, &n, NULL);
	be = g_malloc(n * 2 + 1);
	for (i = 0; i < n; i++) {
		be[2 * i] = u16[i] >> 8;
		be[2 * i + 1] = u16[i] & 0xff;
	}
	b64 = g_base64_encode(be, n * 2);
	for (p = b64; *p != '\0' && *p != '='; p++)
		g_string_append_c(out, *p == '/' ? ',' : *p);
	g_free(b64);
	g_free(be);
	g_free(u16);
}

/* The namespace prefix in our spelling ("INBOX." as "INBOX/"); "" if none. */
static char *
our_prefix(const struct imap_conn *c)
{
	char *p = g_strdup(c->prefix != NULL ? c->prefix : "");

	if (c->delim != '\0' && c->delim != '/')
		g_strdelimit(p, (char[]){ c->delim, '\0' }, '/');
	return p;
}

/*
 * Whether name needs the personal namespace's prefix: not INBOX itself,
 * nor a name already under INBOX or the prefix ("INBOX/Leads" on a
 * server whose prefix is "INBOX.").
 */
static gboolean
wants_prefix(const struct imap_conn *c, const char *name)
{
	char *p;
	gboolean has;

	if (c->prefix == NULL || *c->prefix == '\0' ||
	    g_ascii_strcasecmp(name, "INBOX") == 0 ||
	    g_ascii_strncasecmp(name, "INBOX/", 6) == 0)
		return FALSE;
	p = our_prefix(c);
	has = g_str_has_prefix(name, p);
	g_free(p);
	return !has;
}

/* server_name() of a name in our spelling ('/'). */
static char *
spell(struct imap_conn *c, const char *name, enum lr_status *rc)
{
	GString *out;
	const char *p, *run;

	if (c->delim != '/' && c->delim != '\0' && strchr(name, c->delim) != NULL) {
		imap_set_err(c, "folder %s contains the server's separator "
		    "'%c', so it cannot exist there: write the name with '/' "
		    "between its parts (leadroute puts them in the server's "
		    "terms)", name, c->delim);
		*rc = LR_CONFIG;
		return NULL;
	}
	out = g_string_new(wants_prefix(c, name) ? c->prefix : NULL);
	for (p = name; *p != '\0';) {
		if ((guchar)*p >= 0x20 && (guchar)*p < 0x7f) {
			if (*p == '&')
				g_string_append(out, "&-");
			else if (*p == '/' && c->delim != '\0')
				g_string_append_c(out, c->delim);
			else
				g_string_append_c(out, *p);
			p++;
			continue;
		}
		for (run = p; *p != '\0' && ((guchar)*p < 0x20 || (guchar)*p >= 0x7f);)
			p = g_utf8_next_char(p);
		g_string_append_c(out, '&');
		mutf7_run(out, run, p - run);
		g_string_append_c(out, '-');
	}
	*rc = LR_OK;
	return g_string_free(out, FALSE);
}

/*
 * Our folder name ('/'-separated UTF-8) to the server's: under the
 * personal namespace, separator translated, non-ASCII as modified
 * UTF-7. NULL (and *rc) when invalid.
 */
static char *
server_name(struct imap_conn *c, const char *name, enum lr_status *rc)
{
	char *ours, *res;

	if (!g_utf8_validate(name, -1, NULL) || *name == '\0') {
		imap_set_err(c, "bad folder name");
		*rc = LR_CONFIG;
		return NULL;
	}
	/* a name written as the server spells it ("INBOX.Sales", copied
	 * from a mail client) or under INBOX ("INBOX/Sales"): ours first */
	ours = imap_folder_ours(c, name);
	res = spell(c, ours, rc);
	g_free(ours);
	return res;
}

enum lr_status
imap_select(struct imap_conn *c, const char *mailbox, guint32 *uidvalidity,
    guint32 *uidnext)
{
	enum lr_status rc;
	char *mb, *what;
	int r;

	mb = server_name(c, mailbox, &rc);
	if (mb == NULL)
		return rc;
	r = mailimap_select(c->imap, mb);
	what = g_strconcat("SELECT ", mb, NULL);
	rc = imap_map_err(c, r, what);
	g_free(what);
	g_free(mb);
	if (rc)
		return rc;
	if (uidvalidity != NULL)
		*uidvalidity = c->imap->imap_selection_info->sel_uidvalidity;
	if (uidnext != NULL)
		*uidnext = c->imap->imap_selection_info->sel_uidnext;
	return LR_OK;
}

static gint
cmp_uid(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH key (taken) in the selected mailbox; *uids ascending. */
static enum lr_status
uid_search(struct imap_conn *c, struct mailimap_search_key *key,
    GArray **uids)
{
	clist *res = NULL;
	clistiter *it;
	enum lr_status rc;
	int r;

	*uids = NULL;
	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	rc = imap_map_err(c, r, "UID SEARCH");
	if (rc) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return rc;
	}
	*uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);

		g_array_append_val(*uids, uid);
	}
	mailimap_search_result_free(res);
	g_array_sort(*uids, cmp_uid);
	return LR_OK;
}

/* UID SEARCH criteria, sent as written; *uids ascending. */
static enum lr_status
raw_search(struct imap_conn *c, const char *criteria, GArray **uids)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;
	char *cmd;

	*uids = NULL;
	if (c->imap->imap_state != MAILIMAP_STATE_SELECTED) {
		imap_set_err(c, "UID SEARCH without a selected mailbox");
		return LR_FATAL;
	}
	cmd = g_strconcat("UID SEARCH ", criteria, NULL);
	rc = imap_map_err(c, imap_send_raw(c->imap, cmd), cmd);
	g_free(cmd);
	if (rc)
		return rc;
	*uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	res = c->imap->imap_response_info != NULL ?
	    c->imap->imap_response_info->rsp_search_result : NULL;
	for (it = res != NULL ? clist_begin(res) : NULL; it != NULL;
	    it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);

		g_array_append_val(*uids, uid);
	}
	g_array_sort(*uids, cmp_uid);
	return LR_OK;
}

/* Whether keyword can be sent as an atom (else the error is set). */
static gboolean
atom(struct imap_conn *c, const char *keyword)
{
	for (const char *p = keyword; *p != '\0'; p++)
		if (!g_ascii_isgraph(*p) || strchr("(){%*\"\\]", *p) != NULL) {
			imap_set_err(c, "keyword %s is not an IMAP atom", keyword);
			return FALSE;
		}
	return *keyword != '\0';
}

/*
 * UID SEARCH UNKEYWORD keyword, the keyword sent as an atom as RFC 3501
 * wants it (libetpan quotes anything but letters and digits, and Cyrus
 * answers BAD to a quoted flag); without a keyword, UNDELETED.
 */
enum lr_status
imap_search_unrouted(struct imap_conn *c, const char *keyword, GArray **uids)
{
	enum lr_status rc;
	char *criteria;

	*uids = NULL;
	if (keyword == NULL)
		return raw_search(c, "UNDELETED", uids);
	if (!atom(c, keyword))
		return LR_FATAL;
	/* a message marked \Deleted is on its way out: ours left behind
	 * (no UIDPLUS), or one a person deleted */
	criteria = g_strconcat("UNKEYWORD ", keyword, " UNDELETED", NULL);
	rc = raw_search(c, criteria, uids);
	g_free(criteria);
	return rc;
}

enum lr_status
imap_search_keyword(struct imap_conn *c, const char *keyword, GArray **uids)
{
	enum lr_status rc;
	char *criteria;

	*uids = NULL;
	if (!atom(c, keyword))
		return LR_FATAL;
	criteria = g_strconcat("KEYWORD ", keyword, NULL);
	rc = raw_search(c, criteria, uids);
	g_free(criteria);
	return rc;
}

/* libetpan's type of a system flag ("\\Deleted"); -1: none known. */
static int
system_flag(const char *name)
{
	if (g_ascii_strcasecmp(name, "\\Flagged") == 0)
		return MAILIMAP_FLAG_FLAGGED;
	if (g_ascii_strcasecmp(name, "\\Deleted") == 0)
		return MAILIMAP_FLAG_DELETED;
	return -1;
}

gboolean
imap_keeps_keyword(const struct imap_conn *c, const char *keyword)
{
	const struct mailimap_selection_info *si = c->imap->imap_selection_info;
	clistiter *it;

	/* RFC 3501 7.1: without PERMANENTFLAGS, assume every flag is kept */
	if (si == NULL || si->sel_perm_flags == NULL)
		return TRUE;
	for (it = clist_begin(si->sel_perm_flags); it != NULL;
	    it = clist_next(it)) {
		const struct mailimap_flag_perm *fp = clist_content(it);

		if (fp->fl_type == MAILIMAP_FLAG_PERM_ALL)
			return TRUE;
		if (fp->fl_type != MAILIMAP_FLAG_PERM_FLAG || fp->fl_flag == NULL)
			continue;
		if (keyword[0] == '\\' ? fp->fl_flag->fl_type ==
		    system_flag(keyword) : fp->fl_flag->fl_type ==
		    MAILIMAP_FLAG_KEYWORD && g_ascii_strcasecmp(
		    fp->fl_flag->fl_data.fl_keyword, keyword) == 0)
			return TRUE;
	}
	return FALSE;
}

enum lr_status
imap_search_message_id(struct imap_conn *c, const char *msgid, GArray **uids)
{
	return uid_search(c, mailimap_search_key_new_header(
	    strdup("Message-ID"), strdup(msgid)), uids);
}

/* A UID set of uids[0..n), consecutive runs as ranges. */
static struct mailimap_set *
uid_set(const guint32 *uids, guint n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	guint i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && uids[j] == uids[j - 1] + 1; j++)
			;
		mailimap_set_add_interval(set, uids[i], uids[j - 1]);
	}
	return set;
}

/* Pick UID, RFC822.SIZE and BODY[] out of one FETCH response. */
static void
msg_parts(struct mailimap_msg_att *m, guint32 *uid, guint32 *size,
    const char **data, size_t *len)
{
	clistiter *it;

	*uid = 0;
	*size = 0;
	*data = NULL;
	*len = 0;
	for (it = clist_begin(m->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			*size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
		    st->att_data.att_body_section != NULL) {
			*data = st->att_data.att_body_section->sec_body_part;
			*len = st->att_data.att_body_section->sec_length;
		}
	}
}

/* UID FETCH set (UID RFC822.SIZE [BODY.PEEK[]]). */
static enum lr_status
uid_fetch(struct imap_conn *c, const guint32 *uids, guint n, gboolean body,
    clist **res)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	int r;

	*res = NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	if (body)
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	set = uid_set(uids, n);
	r = mailimap_uid_fetch(c->imap, set, ft, res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR && *res != NULL) {
		mailimap_fetch_list_free(*res);
		*res = NULL;
	}
	return imap_map_err(c, r, "UID FETCH");
}

/* Fetch bodies of uids[0..n) (all under the size cap) and hand them out. */
static enum lr_status
fetch_bodies(struct imap_conn *c, const guint32 *uids, guint n,
    imap_fetch_cb cb, void *ctx)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	rc = uid_fetch(c, uids, n, TRUE, &res);
	if (rc)
		return rc;
	for (it = clist_begin(res); it != NULL && rc == LR_OK; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		if (uid == 0 || data == NULL)
			continue;	/* unsolicited FETCH, e.g. flags */
		rc = cb(uid, data, len, ctx);
	}
	mailimap_fetch_list_free(res);
	return rc;
}

/* Sizes of uids[0..n) into sizes (uid -> size); missing UIDs absent. */
static enum lr_status
fetch_sizes(struct imap_conn *c, const guint32 *uids, guint n, GHashTable *sizes)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	rc = uid_fetch(c, uids, n, FALSE, &res);
	if (rc)
		return rc;
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		if (uid != 0)
			g_hash_table_insert(sizes, GUINT_TO_POINTER(uid),
			    GUINT_TO_POINTER(size));
	}
	mailimap_fetch_list_free(res);
	return LR_OK;
}

enum lr_status
imap_fetch(struct imap_conn *c, const guint32 *uids, guint n, imap_fetch_cb cb,
    void *ctx)
{
	GHashTable *sizes = g_hash_table_new(NULL, NULL);
	GArray *batch = g_array_new(FALSE, FALSE, sizeof(guint32));
	enum lr_status rc = LR_OK;
	guint64 bytes = 0;
	guint i;

	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH)
		rc = fetch_sizes(c, uids + i, MIN(n - i, IMAP_UID_BATCH), sizes);
	for (i = 0; i < n && rc == LR_OK; i++) {
		gpointer v;
		guint32 size;

		if (!g_hash_table_lookup_extended(sizes, GUINT_TO_POINTER(uids[i]),
		    NULL, &v))
			continue;	/* expunged meanwhile */
		size = GPOINTER_TO_UINT(v);
		if (size > IMAP_MAX_MESSAGE_BYTES) {
			rc = cb(uids[i], NULL, size, ctx);
			continue;
		}
		if (batch->len > 0 && (bytes + size > IMAP_FETCH_BATCH_BYTES ||
		    batch->len >= IMAP_UID_BATCH)) {
			rc = fetch_bodies(c, (guint32 *)batch->data, batch->len, cb, ctx);
			g_array_set_size(batch, 0);
			bytes = 0;
			if (rc)
				break;
		}
		g_array_append_val(batch, uids[i]);
		bytes += size;
	}
	if (rc == LR_OK && batch->len > 0)
		rc = fetch_bodies(c, (guint32 *)batch->data, batch->len, cb, ctx);
	g_array_free(batch, TRUE);
	g_hash_table_destroy(sizes);
	return rc;
}

enum lr_status
imap_message_ids(struct imap_conn *c, guint32 from, imap_fetch_cb cb,
    void *ctx)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *names = clist_new(), *res = NULL;
	clistiter *it;
	enum lr_status rc;
	int r;

	clist_append(names, strdup("Message-ID"));
	clist_append(names, strdup("In-Reply-To"));
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new_header_fields(mailimap_header_list_new(names))));
	set = mailimap_set_new_interval(from > 0 ? from : 1, 0);	/* from:* */
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	rc = imap_map_err(c, r, "UID FETCH (Message-ID)");
	for (it = res != NULL ? clist_begin(res) : NULL; rc == LR_OK &&
	    it != NULL; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		/* "n:*" also names the last message when n is past it */
		if (uid == 0 || uid < from)
			continue;
		rc = cb(uid, data != NULL ? data : "", data != NULL ? len : 0,
		    ctx);
	}
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return rc;
}

/* Seconds since the epoch of an IMAP date-time (zone +HHMM as HHMM). */
static gint64
date_time_unix(const struct mailimap_date_time *d)
{
	GDateTime *t = g_date_time_new_utc(d->dt_year, d->dt_month,
	    d->dt_day, d->dt_hour, d->dt_min, d->dt_sec);
	gint64 s, off;

	if (t == NULL)
		return 0;
	s = g_date_time_to_unix(t);
	g_date_time_unref(t);
	off = (ABS(d->dt_zone) / 100) * 3600 + (ABS(d->dt_zone) % 100) * 60;
	return d->dt_zone < 0 ? s + off : s - off;
}

enum lr_status
imap_arrival_times(struct imap_conn *c, const guint32 *uids, guint n,
    GHashTable *times)
{
	enum lr_status rc = LR_OK;

	for (guint i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		struct mailimap_fetch_type *ft;
		struct mailimap_set *set;
		clist *res = NULL;
		clistiter *it;
		int r;

		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_internaldate());
		set = uid_set(uids + i, MIN(n - i, IMAP_UID_BATCH));
		r = mailimap_uid_fetch(c->imap, set, ft, &res);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		rc = imap_map_err(c, r, "UID FETCH INTERNALDATE");
		if (rc != LR_OK) {
			if (res != NULL)
				mailimap_fetch_list_free(res);
			break;
		}
		for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
			struct mailimap_msg_att *m = clist_content(it);
			guint32 uid = 0;
			gint64 at = 0;

			for (clistiter *a = clist_begin(m->att_list); a != NULL;
			    a = clist_next(a)) {
				struct mailimap_msg_att_item *item =
				    clist_content(a);
				struct mailimap_msg_att_static *st;

				if (item->att_type !=
				    MAILIMAP_MSG_ATT_ITEM_STATIC)
					continue;
				st = item->att_data.att_static;
				if (st->att_type == MAILIMAP_MSG_ATT_UID)
					uid = st->att_data.att_uid;
				else if (st->att_type ==
				    MAILIMAP_MSG_ATT_INTERNALDATE &&
				    st->att_data.att_internal_date != NULL)
					at = date_time_unix(
					    st->att_data.att_internal_date);
			}
			if (uid != 0)
				g_hash_table_insert(times,
				    GUINT_TO_POINTER(uid), g_memdup2(&at,
				    sizeof at));
		}
		mailimap_fetch_list_free(res);
	}
	return rc;
}

/* UID STORE +FLAGS.SILENT (flag), or -FLAGS.SILENT when !add, for
 * uids[0..n); takes flag. */
static enum lr_status
store_flag(struct imap_conn *c, const guint32 *uids, guint n,
    struct mailimap_flag *flag, gboolean add)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;
	enum lr_status rc = LR_OK;
	guint i;

	char *what = g_strdup_printf("UID STORE %cFLAGS.SILENT (%s)",
	    add ? '+' : '-', flag->fl_type == MAILIMAP_FLAG_KEYWORD ?
	    flag->fl_data.fl_keyword : flag->fl_type == MAILIMAP_FLAG_DELETED ?
	    "\\Deleted" : flag->fl_type == MAILIMAP_FLAG_FLAGGED ?
	    "\\Flagged" : "?");

	mailimap_flag_list_add(fl, flag);
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(fl) :
	    mailimap_store_att_flags_new_remove_flags_silent(fl);
	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		struct mailimap_set *set = uid_set(uids + i, MIN(n - i, IMAP_UID_BATCH));

		rc = imap_map_err(c, mailimap_uid_store(c->imap, set, sa), what);
		mailimap_set_free(set);
	}
	g_free(what);
	mailimap_store_att_flags_free(sa);
	return rc;
}

/* A keyword, or the system flag \Flagged. */
static struct mailimap_flag *
flag_of(const char *keyword)
{
	if (g_ascii_strcasecmp(keyword, "\\Flagged") == 0)
		return mailimap_flag_new_flagged();
	return mailimap_flag_new_flag_keyword(strdup(keyword));
}

enum lr_status
imap_add_keyword(struct imap_conn *c, const guint32 *uids, guint n,
    const char *keyword)
{
	if (n == 0)
		return LR_OK;
	return store_flag(c, uids, n, flag_of(keyword), TRUE);
}

enum lr_status
imap_remove_keyword(struct imap_conn *c, const guint32 *uids, guint n,
    const char *keyword)
{
	if (n == 0)
		return LR_OK;
	return store_flag(c, uids, n, flag_of(keyword), FALSE);
}

/*
 * Without UIDPLUS a plain EXPUNGE removes every message marked \Deleted,
 * not only ours: it is sent only when no other message in the mailbox is
 * marked. Otherwise ours stay there marked \Deleted (and routed), gone
 * at the next EXPUNGE a mail client sends; the search for new mail skips
 * them. A message marked by someone else between the SEARCH and the
 * EXPUNGE (one round trip) would go too.
 */
static int
expunge_ours(struct imap_conn *c, const guint32 *uids, guint n,
    struct mailimap_set *set)
{
	GHashTable *ours;
	GArray *marked = NULL;
	guint others = 0;

	if (imap_has_uidplus(c))
		return mailimap_uid_expunge(c->imap, set);
	/* ours from earlier rounds (marked routed) are no one else's */
	if (raw_search(c, "DELETED UNKEYWORD " IMAP_KEYWORD_ROUTED, &marked) !=
	    LR_OK)
		return MAILIMAP_ERROR_EXPUNGE;
	ours = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < n; i++)
		g_hash_table_add(ours, GUINT_TO_POINTER(uids[i]));
	for (guint i = 0; i < marked->len; i++)
		if (!g_hash_table_contains(ours, GUINT_TO_POINTER(
		    g_array_index(marked, guint32, i))))
			others++;
	g_hash_table_destroy(ours);
	g_array_free(marked, TRUE);
	if (others == 0)
		return mailimap_expunge(c->imap);
	if (!c->said_deleted)
		log_warnx("imap: %s has no UIDPLUS, and %u other message%s "
		    "marked \\Deleted in the mailbox, which a plain EXPUNGE "
		    "would remove too: filed messages stay there marked "
		    "\\Deleted (and $LeadRouted) until a mail client expunges",
		    c->host, others, others == 1 ? " is" : "s are");
	c->said_deleted = TRUE;
	return MAILIMAP_NO_ERROR;
}

enum lr_status
imap_delete(struct imap_conn *c, const guint32 *uids, guint n)
{
	struct mailimap_set *set;
	enum lr_status rc;

	if (n == 0)
		return LR_OK;
	if ((rc = store_flag(c, uids, n, mailimap_flag_new_deleted(), TRUE)) !=
	    LR_OK)
		return rc;
	set = uid_set(uids, n);
	rc = imap_map_err(c, expunge_ours(c, uids, n, set), "EXPUNGE");
	mailimap_set_free(set);
	return rc;
}

/* UID COPY, then +FLAGS (\Deleted), then expunge exactly those. */
static enum lr_status
copy_delete(struct imap_conn *c, const guint32 *uids, guint n, const char *mb)
{
	struct mailimap_set *set = uid_set(uids, n);
	enum lr_status rc;
	char *what;
	int r;

	r = mailimap_uid_copy(c->imap, set, mb);
	what = g_strdup_printf("UID COPY to %s", mb);
	rc = imap_map_err(c, r, what);
	g_free(what);
	if (rc)
		goto out;
	rc = store_flag(c, uids, n, mailimap_flag_new_deleted(), TRUE);
	if (rc)
		goto out;
	rc = imap_map_err(c, expunge_ours(c, uids, n, set), "EXPUNGE");
out:
	mailimap_set_free(set);
	return rc;
}

enum lr_status
imap_move(struct imap_conn *c, const guint32 *uids, guint n, const char *folder)
{
	enum lr_status rc = LR_OK;
	char *mb;
	guint i;

	if (n == 0)
		return LR_OK;
	mb = server_name(c, folder, &rc);
	if (mb == NULL)
		return rc;
	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		guint k = MIN(n - i, IMAP_UID_BATCH);

		if (imap_has_move(c)) {
			struct mailimap_set *set = uid_set(uids + i, k);

			char *what = g_strconcat("UID MOVE to ", mb, NULL);

			rc = imap_map_err(c, mailimap_uid_move(c->imap, set, mb),
			    what);
			g_free(what);
			mailimap_set_free(set);
		} else
			rc = copy_delete(c, uids + i, k, mb);
	}
	g_free(mb);
	return rc;
}

/* LIST "" name; *res is freed by the caller with mailimap_list_result_free. */
static enum lr_status
list_raw(struct imap_conn *c, const char *name, clist **res)
{
	enum lr_status rc;
	char *mb, *what;
	int r;

	*res = NULL;
	mb = server_name(c, name, &rc);
	if (mb == NULL)
		return rc;
	r = mailimap_list(c->imap, "", mb, res);
	what = g_strdup_printf("LIST \"\" %s", mb);
	g_free(mb);
	if (r != MAILIMAP_NO_ERROR && *res != NULL) {
		mailimap_list_result_free(*res);
		*res = NULL;
	}
	rc = imap_map_err(c, r, what);
	g_free(what);
	return rc;
}

enum lr_status
imap_exists(struct imap_conn *c, const char *folder, gboolean *exists)
{
	clist *res;
	enum lr_status rc;

	*exists = FALSE;
	rc = list_raw(c, folder, &res);
	if (rc)
		return rc;
	*exists = clist_count(res) > 0;
	mailimap_list_result_free(res);
	return LR_OK;
}

/* Whether LIST says the name holds no messages one can select:
 * \Noselect (a parent made by a CREATE of its child) or \NonExistent. */
static gboolean
not_selectable(const struct mailimap_mailbox_list *mb)
{
	const struct mailimap_mbx_list_flags *fl = mb->mb_flag;

	if (fl == NULL)
		return FALSE;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		return TRUE;
	for (clistiter *it = fl->mbf_oflags != NULL ? clist_begin(
	    fl->mbf_oflags) : NULL; it != NULL; it = clist_next(it)) {
		const struct mailimap_mbx_list_oflag *of = clist_content(it);

		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT &&
		    of->of_flag_ext != NULL && (g_ascii_strcasecmp(
		    of->of_flag_ext, "NonExistent") == 0 ||
		    g_ascii_strcasecmp(of->of_flag_ext, "Noselect") == 0))
			return TRUE;
	}
	return FALSE;
}

/* A name in modified UTF-7 (RFC 3501 5.1.3) as UTF-8; NULL when it is
 * not valid modified UTF-7. */
static char *
mutf7_decode(const char *s)
{
	GString *out = g_string_new(NULL);

	for (const char *p = s; *p != '\0';) {
		const char *end;
		GString *b64;
		guchar *raw;
		gsize n;
		char *u8;

		if (*p != '&') {
			g_string_append_c(out, *p++);
			continue;
		}
		if (p[1] == '-') {
			g_string_append_c(out, '&');
			p += 2;
			continue;
		}
		if ((end = strchr(p + 1, '-')) == NULL)
			goto bad;
		b64 = g_string_new_len(p + 1, end - p - 1);
		g_strdelimit(b64->str, ",", '/');
		while (b64->len % 4 != 0)
			g_string_append_c(b64, '=');
		raw = g_base64_decode(b64->str, &n);
		g_string_free(b64, TRUE);
		u8 = n % 2 == 0 && n > 0 ? g_convert((const char *)raw, n,
		    "UTF-8", "UTF-16BE", NULL, NULL, NULL) : NULL;
		g_free(raw);
		if (u8 == NULL)
			goto bad;
		g_string_append(out, u8);
		g_free(u8);
		p = end + 1;
	}
	return g_string_free(out, FALSE);
bad:
	g_string_free(out, TRUE);
	return NULL;
}

enum lr_status
imap_list(struct imap_conn *c, const char *pattern, GPtrArray **names)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	*names = NULL;
	rc = list_raw(c, pattern, &res);
	if (rc)
		return rc;
	*names = g_ptr_array_new_with_free_func(g_free);
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		const char *p = mb->mb_name;
		char *name;

		if (not_selectable(mb))
			continue;
		/* our spelling: without the namespace's prefix, '/' between
		 * the parts, UTF-8 (a name that is not valid modified UTF-7
		 * cannot be named back: left out) */
		if (c->prefix != NULL && *c->prefix != '\0' &&
		    g_str_has_prefix(p, c->prefix) && p[strlen(c->prefix)] != '\0')
			p += strlen(c->prefix);
		if ((name = mutf7_decode(p)) == NULL)
			continue;
		if (mb->mb_delimiter != '\0' && mb->mb_delimiter != '/')
			g_strdelimit(name, (char[]){ mb->mb_delimiter, '\0' }, '/');
		g_ptr_array_add(*names, name);
	}
	mailimap_list_result_free(res);
	return LR_OK;
}

enum lr_status
imap_create(struct imap_conn *c, const char *folder)
{
	enum lr_status rc, rc2;
	gboolean exists = FALSE;
	char *mb, *what, *why;

	mb = server_name(c, folder, &rc);
	if (mb == NULL)
		return rc;
	/* NO: most likely [ALREADYEXISTS], which libetpan does not expose:
	 * a NO is told only when the folder is not there after all */
	what = g_strdup_printf("CREATE %s", mb);
	c->quiet = TRUE;
	rc = imap_map_err(c, mailimap_create(c->imap, mb), what);
	c->quiet = FALSE;
	g_free(what);
	g_free(mb);
	if (rc != LR_TEMPFAIL)
		return rc;
	why = g_strdup(c->err);
	rc2 = imap_exists(c, folder, &exists);
	if (rc2 == LR_OK && !exists) {
		imap_set_err(c, "%s", why);
		log_warnx("imap: %s: %s", c->host, why);
	}
	g_free(why);
	if (rc2)
		return rc2;
	return exists ? LR_OK : rc;
}

char *
imap_folder_ours(const struct imap_conn *c, const char *name)
{
	char *n = g_strdup(name), *p = our_prefix(c);
	size_t lp = strlen(p);

	/* in the server's spelling ("INBOX.Leads"): its separators */
	if (c->prefix != NULL && *c->prefix != '\0' && c->delim != '/' &&
	    c->delim != '\0' && g_ascii_strncasecmp(n, c->prefix,
	    strlen(c->prefix)) == 0)
		g_strdelimit(n, (char[]){ c->delim, '\0' }, '/');
	if (lp > 0 && g_ascii_strncasecmp(n, p, lp) == 0 && n[lp] != '\0')
		memmove(n, n + lp, strlen(n + lp) + 1);
	g_free(p);
	return n;
}
