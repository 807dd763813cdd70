/* dataread.c - the server role's reading of DATA. */
#include <string.h>

#include "core/dataread.h"
#include "core/dotstuff.h"

void
dr_init(struct data_reader *d, size_t max, size_t record_max)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
	d->record_max = record_max;
	d->at_bol = 1;
}

void
dr_free(struct data_reader *d)
{
	buf_free(&d->msg);
}

enum dr_status
dr_line(struct data_reader *d, const char *line, size_t len, enum lb_term term,
    int *record)
{
	const char	*eol = term == LB_CRLF ? "\r\n" : "\n";
	size_t		 skip = 0, n, wire = len + (term == LB_CRLF ? 2 : 1);

	*record = 0;
	if ((d->at_bol || d->lf_end) && (term == LB_CRLF || (d->lf_end &&
	    term == LB_LF)) && dot_is_end(line, len)) {
		*record = 1;
		return DR_END;
	}
	if (d->at_bol)
		skip = dot_unstuff_skip(line, len);
	if (term != LB_CRLF || memchr(line, '\r', len) != NULL)
		d->bare = 1;
	d->at_bol = term == LB_CRLF;
	d->lines++;
	n = len - skip + strlen(eol);
	d->size = n > (size_t)-1 - d->size ? (size_t)-1 : d->size + n;
	if (d->recorded + wire <= d->record_max && d->unrecorded == 0) {
		d->recorded += wire;
		*record = 1;
	} else
		d->unrecorded++;
	if (d->toobig || d->size > d->max) {
		d->toobig = 1;
		buf_free(&d->msg);	/* refused anyway: give the memory back */
		return DR_MORE;
	}
	buf_append(&d->msg, line + skip, len - skip);
	buf_appendstr(&d->msg, eol);
	return buf_ok(&d->msg) == 0 ? DR_MORE : DR_NOMEM;
}
