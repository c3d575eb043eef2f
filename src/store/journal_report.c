/*
 * journal_report.c: the report's queries (journal_report.h): the leads
 * of a period and the stays in review.
 */
#include "config.h"

#include <string.h>

#include "journal_p.h"
#include "journal_report.h"

const char *const jp_report_sql[ST_N] = {
	/* events and forwards after ?2 (a report for a past period) do
	 * not count */
	[ST_LEADS] = "SELECT m.message_key, m.received_at, m.fetched_at,"
	    " m.state, m.filed_at, d.decided_at, d.kind, d.dest_id, d.owner,"
	    " d.folder, d.dims_json,"
	    " (SELECT min(sent_at) FROM deliveries WHERE message_id = m.id"
	    "  AND channel = 'smtp' AND state = 'sent' AND sent_at < ?2"
	    "  AND target NOT LIKE 'escalation %'"
	    "  AND target NOT LIKE 'announce %'),"
	    " (SELECT count(*) FROM events WHERE message_id = m.id"
	    "  AND kind = 'reassigned' AND at < ?2),"
	    " (SELECT min(at) FROM events WHERE message_id = m.id"
	    "  AND kind = 'first-response' AND at < ?2),"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    "  AND kind = 'to-review' AND at < ?2), m.id,"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    "  AND kind = 'escalated' AND at < ?2),"
	    " (SELECT count(*) FROM events WHERE message_id = m.id"
	    "  AND kind = 'sla-missed' AND at < ?2),"
	    " CASE WHEN json_valid(d.lead_json) THEN"
	    "  json_extract(d.lead_json, '$.source') END,"
	    " d.kind = 'reply' AND d.reason LIKE 'auto-reply %'"
	    " FROM messages m LEFT JOIN decisions d ON d.message_id = m.id"
	    " WHERE m.fetched_at >= ?1 AND m.fetched_at < ?2 ORDER BY m.id",
	/* the stays in review that overlap [?1, ?2), whenever their leads
	 * came: each review placement until the next placement */
	[ST_REVIEW_SPANS] = "SELECT message_id, at, next FROM (SELECT"
	    " message_id, at, kind, lead(at) OVER (PARTITION BY message_id"
	    " ORDER BY at, rowid) AS next FROM placements) WHERE kind ="
	    " 'review' AND at < ?2 AND (next IS NULL OR next > ?1)"
	    " ORDER BY message_id, at",
};

static void
jlead_free(gpointer p)
{
	struct journal_lead *l = p;

	g_free(l->key);
	g_free(l->dest_id);
	g_free(l->owner);
	g_free(l->folder);
	g_free(l->dims_json);
	g_free(l->source);
	if (l->review != NULL)
		g_array_free(l->review, TRUE);
	g_free(l);
}

static gpointer
lead_row(sqlite3_stmt *st)
{
	struct journal_lead *l = g_new0(struct journal_lead, 1);

	l->key = col_dup(st, 0);
	l->received_at = col_opt(st, 1);
	l->fetched_at = col_opt(st, 2);
	l->state = jp_col_state(st, 3);
	l->filed_at = col_opt(st, 4);
	l->decided_at = col_opt(st, 5);
	l->dest_id = col_dup(st, 7);
	l->owner = col_dup(st, 8);
	l->folder = col_dup(st, 9);
	l->dims_json = col_dup(st, 10);
	l->forwarded_at = col_opt(st, 11);
	l->reassignments = (guint)col_opt(st, 12);
	l->first_response_at = col_opt(st, 13);
	l->to_review = col_opt(st, 14) != 0;
	l->id = sqlite3_column_int64(st, 15);
	l->escalated = col_opt(st, 16) != 0;
	l->sla_missed = (guint)col_opt(st, 17);
	l->source = col_dup(st, 18);
	l->auto_reply = col_opt(st, 19) != 0;
	l->decided = sqlite3_column_type(st, 6) != SQLITE_NULL;
	if (l->decided && !jp_col_kind(st, 6, l->id, &l->kind)) {
		jlead_free(l);
		return NULL;
	}
	return l;
}

/*
 * The stays in review overlapping [since, until): into all (of struct
 * journal_span; may be NULL), and attached to their lead when by_id
 * (message id -> lead; may be NULL) has it.
 */
static enum lr_status
review_spans(struct journal *j, GHashTable *by_id, gint64 since,
    gint64 until, GArray *all)
{
	sqlite3_stmt *st = stmt(j, ST_REVIEW_SPANS);
	gboolean has;
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	while ((rc = row(j, st, &has, "listing stays in review")) == LR_OK &&
	    has) {
		gint64 id = sqlite3_column_int64(st, 0);
		struct journal_lead *l = by_id != NULL ?
		    g_hash_table_lookup(by_id, &id) : NULL;
		struct journal_span sp = { sqlite3_column_int64(st, 1),
		    col_opt(st, 2) };

		if (all != NULL)
			g_array_append_val(all, sp);
		if (l == NULL)
			continue;
		if (l->review == NULL)
			l->review = g_array_new(FALSE, FALSE, sizeof sp);
		g_array_append_val(l->review, sp);
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_review_spans(struct journal *j, gint64 since, gint64 until,
    GArray **out)
{
	enum lr_status rc;

	*out = NULL;
	if (j == NULL)
		return misuse("review_spans", "no journal");
	*out = g_array_new(FALSE, FALSE, sizeof(struct journal_span));
	rc = review_spans(j, NULL, since, until, *out);
	if (rc != LR_OK) {
		g_array_free(*out, TRUE);
		*out = NULL;
	}
	return rc;
}

enum lr_status
journal_leads(struct journal *j, gint64 since, gint64 until,
    journal_lead_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	GPtrArray *all;
	enum lr_status rc;

	if (j == NULL || cb == NULL)
		return misuse("leads", "no journal or callback");
	st = stmt(j, ST_LEADS);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	all = jp_collect_rows(j, st, lead_row, jlead_free, "listing leads", &rc);
	if (all != NULL && rc == LR_OK) {
		GHashTable *by_id = g_hash_table_new(g_int64_hash,
		    g_int64_equal);

		for (guint i = 0; i < all->len; i++) {
			struct journal_lead *l = g_ptr_array_index(all, i);

			g_hash_table_insert(by_id, &l->id, l);
		}
		rc = review_spans(j, by_id, since, until, NULL);
		g_hash_table_destroy(by_id);
	}
	for (guint i = 0; all != NULL && rc == LR_OK && i < all->len; i++)
		rc = cb(g_ptr_array_index(all, i), ctx);
	if (all != NULL)
		g_ptr_array_free(all, TRUE);
	return rc;
}
