/*
 * journal_route.c: the history routing reads (journal_route.h):
 * rotations, loads, sticky owners and absences.
 */
#include "config.h"

#include <string.h>

#include "journal_p.h"
#include "journal_route.h"

const char *const jp_route_sql[ST_N] = {
	[ST_ROT_GET] = "SELECT count, last_at, credit FROM rotation"
	    " WHERE team = ?1 AND owner = ?2",
	[ST_LOAD_GET] = "SELECT count FROM owner_load WHERE owner = ?1 AND"
	    " day = ?2",
	[ST_LOAD_SINCE] = "SELECT count(*) FROM decisions WHERE owner = ?1"
	    " AND decided_at >= ?2",
	/* the newest owner of a message of the thread, of the address, of
	 * the company domain (the latter two since ?2) */
	[ST_STICKY_THREAD] = "SELECT d.owner, m.message_key FROM messages m"
	    " JOIN decisions d ON d.message_id = m.id WHERE m.message_key = ?1"
	    " AND d.owner IS NOT NULL",
	[ST_STICKY_EMAIL] = "SELECT owner, decided_at FROM decisions"
	    " WHERE lead_email = ?1 AND decided_at >= ?2 AND owner IS NOT NULL"
	    " ORDER BY decided_at DESC, message_id DESC LIMIT 1",
	[ST_STICKY_DOMAIN] = "SELECT owner, decided_at, lead_email FROM"
	    " decisions WHERE lead_domain = ?1 AND decided_at >= ?2 AND owner"
	    " IS NOT NULL ORDER BY decided_at DESC, message_id DESC LIMIT 1",
	[ST_AWAY_SET] = "INSERT INTO away (owner, until, since, reason)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (owner) DO UPDATE SET"
	    " until = excluded.until, since = excluded.since,"
	    " reason = excluded.reason",
	[ST_AWAY_GET] = "SELECT until, reason FROM away WHERE owner = ?1",
};

enum lr_status
journal_rotation_get(struct journal *j, const char *team, const char *owner,
    struct journal_rotation *out)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(team) || empty(owner) || out == NULL)
		return misuse("rotation_get", "no journal, team or owner");
	memset(out, 0, sizeof *out);
	st = stmt(j, ST_ROT_GET);
	bind_text(st, 1, team);
	bind_text(st, 2, owner);
	rc = row(j, st, &has, "reading a rotation");
	if (rc == LR_OK && has) {
		out->count = (guint)sqlite3_column_int64(st, 0);
		out->last_at = col_opt(st, 1);
		out->credit = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_owner_leads_since(struct journal *j, const char *owner, gint64 since,
    guint *count)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || count == NULL)
		return misuse("owner_leads_since", "no journal or owner");
	st = stmt(j, ST_LOAD_SINCE);
	bind_text(st, 1, owner);
	sqlite3_bind_int64(st, 2, since);
	rc = row(j, st, &has, "counting an owner's leads");
	*count = rc == LR_OK && has ? (guint)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_owner_load(struct journal *j, const char *owner, const char *day,
    guint *count)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || empty(day) || count == NULL)
		return misuse("owner_load", "no journal, owner or day");
	st = stmt(j, ST_LOAD_GET);
	bind_text(st, 1, owner);
	bind_text(st, 2, day);
	rc = row(j, st, &has, "reading an owner's load");
	*count = rc == LR_OK && has ? (guint)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc;
}

/* One sticky query: the owner in column 0, evidence in column 2 if any. */
static enum lr_status
sticky_row(struct journal *j, enum st which, const char *key, gint64 since,
    char **owner, char **evidence)
{
	sqlite3_stmt *st = stmt(j, which);
	gboolean has;
	enum lr_status rc;

	bind_text(st, 1, key);
	if (which != ST_STICKY_THREAD)
		sqlite3_bind_int64(st, 2, since);
	rc = row(j, st, &has, "looking for a lead's owner");
	if (rc == LR_OK && has) {
		*owner = g_strdup((const char *)sqlite3_column_text(st, 0));
		if (which == ST_STICKY_DOMAIN && evidence != NULL)
			*evidence = g_strdup((const char *)
			    sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_sticky_owner(struct journal *j, const char *const *thread,
    const char *email, const char *domain, gint64 since,
    struct journal_sticky *out)
{
	enum lr_status rc = LR_OK;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (j == NULL || out == NULL)
		return misuse("sticky_owner", "no journal or result");
	for (guint i = 0; thread != NULL && thread[i] != NULL &&
	    out->owner == NULL && rc == LR_OK; i++)
		if (!empty(thread[i]) && (rc = sticky_row(j, ST_STICKY_THREAD,
		    thread[i], 0, &out->owner, NULL)) == LR_OK &&
		    out->owner != NULL) {
			out->via = JSTICKY_THREAD;
			out->evidence = g_strdup(thread[i]);
		}
	if (rc == LR_OK && out->owner == NULL && !empty(email) &&
	    (rc = sticky_row(j, ST_STICKY_EMAIL, email, since, &out->owner,
	    NULL)) == LR_OK && out->owner != NULL) {
		out->via = JSTICKY_ADDRESS;
		out->evidence = g_strdup(email);
	}
	if (rc == LR_OK && out->owner == NULL && !empty(domain) &&
	    (rc = sticky_row(j, ST_STICKY_DOMAIN, domain, since, &out->owner,
	    &out->evidence)) == LR_OK && out->owner != NULL)
		out->via = JSTICKY_DOMAIN;
	if (rc != LR_OK)
		journal_sticky_clear(out);
	return rc;
}

void
journal_sticky_clear(struct journal_sticky *s)
{
	g_free(s->owner);
	g_free(s->evidence);
	memset(s, 0, sizeof *s);
}

enum lr_status
journal_away_set(struct journal *j, const char *owner, gint64 until,
    const char *reason, gint64 now)
{
	sqlite3_stmt *st;
	enum lr_status rc;

	if (j == NULL || empty(owner))
		return misuse("away_set", "no journal or owner");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	st = stmt(j, ST_AWAY_SET);
	bind_text(st, 1, owner);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, now);
	bind_text(st, 4, reason);
	rc = run(j, st, "recording an owner away");
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_away_get(struct journal *j, const char *owner, gint64 *until,
    char **reason)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || until == NULL)
		return misuse("away_get", "no journal or owner");
	st = stmt(j, ST_AWAY_GET);
	bind_text(st, 1, owner);
	rc = row(j, st, &has, "reading an owner's absence");
	has = rc == LR_OK && has;
	*until = has ? sqlite3_column_int64(st, 0) : 0;
	if (reason != NULL)
		*reason = has ? col_dup(st, 1) : NULL;
	sqlite3_reset(st);
	return rc;
}
