/*
 * status.h: the one status enum. 0 is success; every other value tells the
 * caller what to do next.
 */
#ifndef LR_STATUS_H
#define LR_STATUS_H

enum lr_status {
	LR_OK = 0,
	LR_TEMPFAIL,	/* retry later: network, SMTP 4xx, SQLITE_BUSY */
	LR_BADMSG,	/* this message is bad: file it in Failed */
	LR_BADSOURCE,	/* the source broke: reconnect */
	LR_CONFIG,	/* configuration or rules are wrong */
	LR_NOINPUT,	/* an input file is missing or unreadable */
	LR_FATAL	/* give up */
};

#define LR_WUR __attribute__((warn_unused_result))

#endif
