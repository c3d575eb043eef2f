/*
 * agent_sweep.c: the reconciliation sweep: messages left unrouted in the
 * inbox too long; and alert(), the path of errors nobody should miss.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "agent_p.h"
#include "duration.h"
#include "imap.h"
#include "log.h"

void
alert(struct agent *a, const char *kind, const char *text)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;
	struct sink_failure fail;
	char *body;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "text");
	json_builder_add_string_value(b, text);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	body = json_to_string(root, FALSE);
	if (journal_event(a->j, 0, kind, text, now_s()) != LR_OK ||
	    journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record an event");
	if (a->out.sink[CHAN_SLACK] != NULL &&
	    sink_send(a->out.sink[CHAN_SLACK], "slack", body, strlen(body),
	    &fail) != LR_OK) {
		log_warnx("run: cannot post to Slack (%s): %s", kind,
		    fail.why);
		sink_failure_clear(&fail);
	}
	g_free(body);
	json_node_unref(root);
	g_object_unref(b);
}

/*
 * The reconciliation sweep: a message that has waited in the inbox longer
 * than unrouted_after without being routed is an error, logged at every
 * sweep and reported once to the Slack channel and the journal.
 */
void
sweep_inbox(struct agent *a)
{
	GArray *uids = NULL;
	GHashTable *times;
	GString *fresh = g_string_new(NULL);
	gint64 now = now_s();
	guint late = 0, nfresh = 0;
	char *after, *waited;

	/* what a round would take: also what a folder refused to take; in
	 * the inbox, whatever the board or the SLAs selected before */
	if (imap_select(a->imap, a->mailbox, NULL, NULL) != LR_OK ||
	    inbox_pending(a, &uids) != LR_OK) {
		log_warnx("run: the sweep cannot look at %s: %s", a->mailbox,
		    imap_last_error(a->imap));
		g_string_free(fresh, TRUE);
		return;
	}
	times = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	if (uids->len > 0 && imap_arrival_times(a->imap,
	    (guint32 *)uids->data, uids->len, times) == LR_OK) {
		for (guint i = 0; i < uids->len; i++) {
			guint32 uid = g_array_index(uids, guint32, i);
			gint64 *at = g_hash_table_lookup(times,
			    GUINT_TO_POINTER(uid));

			if (at == NULL || *at == 0 ||
			    now - *at < a->cfg->unrouted_after)
				continue;
			late++;
			if (g_hash_table_contains(a->reported,
			    GUINT_TO_POINTER(uid)))
				continue;
			g_hash_table_add(a->reported, GUINT_TO_POINTER(uid));
			waited = duration_text(now - *at);
			g_string_append_printf(fresh, "%suid %u (%s)",
			    nfresh++ ? ", " : "", uid, waited);
			g_free(waited);
		}
	}
	after = duration_text(a->cfg->unrouted_after);
	if (late > 0)
		log_warnx("run: error: %u message%s in %s not routed after %s "
		    "or more; see the log lines of their leads", late,
		    late == 1 ? "" : "s", a->mailbox, after);
	if (nfresh > 0) {
		char *text = g_strdup_printf("leadroute: %u message%s in %s "
		    "not routed after %s: %s. Look at the leadroute log.",
		    nfresh, nfresh == 1 ? "" : "s", a->mailbox, after,
		    fresh->str);

		alert(a, "unrouted", text);
		g_free(text);
	}
	g_free(after);
	g_string_free(fresh, TRUE);
	g_hash_table_destroy(times);
	g_array_free(uids, TRUE);
}
