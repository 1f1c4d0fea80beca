// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Decoding of primetrace events: from the ring buffer record and from the
 * JSON lines of recorded runs (tests/unit/data/, written by 'primetrace
 * trace -j' in the VM test on 6.1 and 7.3), output, and filters.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "event.h"
#include "run.h"

struct recording {
	struct pt_record *recs;
	char **lines;
	int n;
	int bad;
	struct pt_summary sum;
	int summaries;
};

static void load(const char *name, struct recording *r)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = unit_open_data(name);

	memset(r, 0, sizeof(*r));
	if (!f) {
		r->bad = -1;
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		struct pt_record rec;
		int ret = pt_record_parse_json(line, &rec, &r->sum);

		if (ret < 0) {
			r->bad++;
			continue;
		}
		if (ret == 1) {
			r->summaries++;
			continue;
		}
		r->recs = realloc(r->recs, (r->n + 1) * sizeof(*r->recs));
		r->lines = realloc(r->lines, (r->n + 1) * sizeof(*r->lines));
		r->recs[r->n] = rec;
		r->lines[r->n] = strdup(line);
		r->n++;
	}
	free(line);
	fclose(f);
}

static void unload(struct recording *r)
{
	for (int i = 0; i < r->n; i++) {
		pt_record_free(&r->recs[i]);
		free(r->lines[i]);
	}
	free(r->recs);
	free(r->lines);
	pt_summary_free(&r->sum);
}

static const struct pt_event *find(const struct recording *r, int type, int nth)
{
	for (int i = 0; i < r->n; i++)
		if ((int)r->recs[i].ev.type == type && !nth--)
			return &r->recs[i].ev;
	return NULL;
}

/* every line of a recording decodes; the summary counts what was decoded */
static void check_recording(const char *unit_name, const char *file)
{
	struct recording r;
	__u64 seen[PT_EV_MAX] = { 0 };

	load(file, &r);
	EXPECT_EQ(r.bad, 0);
	EXPECT(r.n > 90);
	EXPECT_EQ(r.summaries, 1);
	EXPECT(r.sum.have);
	for (int i = 0; i < r.n; i++) {
		EXPECT(r.recs[i].ev.type > 0 && r.recs[i].ev.type < PT_EV_MAX);
		EXPECT(r.recs[i].ev.hook > 0 && r.recs[i].ev.hook < PT_HOOK_MAX);
		seen[r.recs[i].ev.type]++;
	}
	for (int t = 1; t < PT_EV_MAX; t++)
		EXPECT_EQ(seen[t], r.sum.events[t]);
	EXPECT_EQ(pt_summary_drops(&r.sum), 0);
	EXPECT_EQ(pt_summary_events(&r.sum), (__u64)r.n);
	unload(&r);
}

UNIT_TEST(decode_recording_6_1)
{
	check_recording(unit_name, "e2e-6.1.json");
}

UNIT_TEST(decode_recording_7_3)
{
	check_recording(unit_name, "e2e-7.3.json");
}

/* the export step of prime_workload, as 6.1 recorded it */
UNIT_TEST(decode_export_fields)
{
	const struct pt_event *e;
	struct recording r;

	load("e2e-6.1.json", &r);
	e = find(&r, PT_EV_PRIME_HANDLE_TO_FD, 0);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_EQ(e->hook, PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL);
		EXPECT_STR(e->comm, "prime_workload");
		EXPECT_EQ(e->handle, 1);
		EXPECT_EQ(e->fd, 6);
		EXPECT_EQ(e->ino, 1);
		EXPECT_EQ(e->size, 65536);
		EXPECT_EQ(e->obj_size, 65536);
		EXPECT_EQ(e->kref, 2);
		EXPECT_EQ(e->handle_count, 1);
		EXPECT_EQ(e->file_count, 3);
		EXPECT_EQ(e->flags, 0x80002);
		EXPECT_EQ(e->ret, 0);
		EXPECT_STR(e->driver, "vprime");
		EXPECT_EQ(e->minor, 2);
		EXPECT_STR(e->exp_name, "drm");
		EXPECT_STR(e->exp_driver, "vprime");
		EXPECT_EQ(e->obj, e->exp_obj);
		EXPECT(e->dmabuf >> 48 == 0xffff);
		EXPECT(e->file != 0);
	}
	/* the error step: a handle that does not exist */
	e = find(&r, PT_EV_PRIME_HANDLE_TO_FD, 4);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_EQ(e->ret, -ENOENT);
		EXPECT_EQ(e->handle, 0x7fffffff);
		EXPECT_EQ(e->fd, -1);
		EXPECT_EQ(e->dmabuf, 0);
		EXPECT_EQ(e->kref, -1);
	}
	/* an import into the second vprime: importer device and exporter */
	e = find(&r, PT_EV_DMABUF_ATTACH, 0);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_STR(e->importer, "vprime.1");
		EXPECT_STR(e->exp_driver, "vprime");
		EXPECT(e->attach != 0);
	}
	/* the final free still names the buffer, from the file's release */
	e = find(&r, PT_EV_DMABUF_RELEASE, 0);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_EQ(e->ino, 1);
		EXPECT_EQ(e->file_count, -1);
	}
	unload(&r);
}

/* 7.3: shmem's own import hook, and the faux bus vgem sits on */
UNIT_TEST(decode_7_3_import)
{
	const struct pt_event *e;
	struct recording r;
	int shmem = 0;

	load("e2e-7.3.json", &r);
	for (int i = 0; (e = find(&r, PT_EV_GEM_IMPORT, i)); i++) {
		if (e->hook != PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP)
			continue;
		shmem++;
		EXPECT_STR(e->driver, "vgem");
		EXPECT_STR(e->importer_driver, "faux_driver");
		EXPECT_STR(e->exp_driver, "vprime");
	}
	EXPECT_EQ(shmem, 1);
	EXPECT(find(&r, PT_EV_DMABUF_FD_INSTALL, 0) != NULL);
	EXPECT(find(&r, PT_EV_GEM_HANDLE_TO_FD, 0) == NULL);
	EXPECT_STR(r.sum.how[PT_HOOK_GEM_PRIME_HANDLE_TO_FD], "fexit");
	EXPECT_EQ(r.sum.calls[PT_HOOK_GEM_PRIME_HANDLE_TO_FD], 0);
	unload(&r);
}

/* writing a decoded line gives the line back, byte for byte */
UNIT_TEST(json_round_trip)
{
	const char *files[] = { "e2e-6.1.json", "e2e-7.3.json", "overflow-6.1.json" };

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct recording r;

		load(files[f], &r);
		EXPECT(r.n > 0);
		for (int i = 0; i < r.n; i++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			pt_print_json(m, &r.recs[i]);
			fclose(m);
			/* the recordings predate the format member: it comes first */
			EXPECT(!strncmp(buf, "{\"format\":1,", 12));
			EXPECT_STR(buf + 12, r.lines[i] + 1);
			free(buf);
		}
		unload(&r);
	}
}

static void sample_event(struct pt_event *e)
{
	pt_event_init(e);
	e->ts = 5123456789ULL;
	e->type = PT_EV_PRIME_FD_TO_HANDLE;
	e->hook = PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL;
	e->pid = 42;
	e->tid = 43;
	e->cpu = 1;
	e->cgroup = 7;
	snprintf(e->comm, sizeof(e->comm), "a\"b\\c\n\xff");
	e->dmabuf = 0xffff888012345600ULL;
	e->ino = 99;
	e->size = 4096;
	snprintf(e->exp_name, sizeof(e->exp_name), "drm");
	e->file_count = 2;
	e->obj = 0xffff888000001000ULL;
	e->obj_size = 4096;
	e->kref = 1;
	e->handle_count = 1;
	snprintf(e->driver, sizeof(e->driver), "vprime");
	e->minor = 3;
	e->exp_obj = 0xffff888000002000ULL;
	snprintf(e->exp_driver, sizeof(e->exp_driver), "vgem");
	e->exp_minor = 0;
	e->file = 0xffff888000003000ULL;
	e->handle = 5;
	e->fd = 7;
	e->flags = 0x80002;
	e->ret = -22;
	e->attach = 0xffff888000004000ULL;
	snprintf(e->importer, sizeof(e->importer), "vprime.1");
	snprintf(e->importer_driver, sizeof(e->importer_driver), "faux_driver");
	e->addr = 0x7f0000001000ULL;
	e->len = 8192;
}

/* ring buffer record -> JSON -> record: nothing lost but the stack ids */
UNIT_TEST(raw_to_json_and_back)
{
	struct pt_record in = { 0 }, out;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	sample_event(&in.ev);
	EXPECT_EQ(pt_event_decode(&in.ev, sizeof(in.ev), &out.ev), 0);
	EXPECT(!memcmp(&in.ev, &out.ev, sizeof(in.ev)));
	in.kstack = "drm_ioctl+0x1a;__x64_sys_ioctl+0x8d";
	m = open_memstream(&buf, &len);
	pt_print_json(m, &in);
	fclose(m);
	EXPECT_EQ(pt_record_parse_json(buf, &out, NULL), 0);
	EXPECT(!memcmp(&in.ev, &out.ev, sizeof(in.ev)));
	EXPECT(out.kstack && !strcmp(out.kstack, in.kstack));
	EXPECT(out.ustack == NULL);
	pt_record_free(&out);
	free(buf);
}

UNIT_TEST(raw_decode_rejects)
{
	struct pt_event e, out;

	sample_event(&e);
	EXPECT_EQ(pt_event_decode(&e, sizeof(e) - 1, &out), -EINVAL);
	e.type = 0;
	EXPECT_EQ(pt_event_decode(&e, sizeof(e), &out), -EINVAL);
	e.type = PT_EV_MAX;
	EXPECT_EQ(pt_event_decode(&e, sizeof(e), &out), -EINVAL);
	e.type = PT_EV_GEM_FREE;
	e.hook = PT_HOOK_MAX;
	EXPECT_EQ(pt_event_decode(&e, sizeof(e), &out), -EINVAL);
	/* strings without a terminator come out terminated */
	sample_event(&e);
	memset(e.comm, 'x', sizeof(e.comm));
	memset(e.importer, 'y', sizeof(e.importer));
	EXPECT_EQ(pt_event_decode(&e, sizeof(e), &out), 0);
	EXPECT_EQ(strlen(out.comm), sizeof(out.comm) - 1);
	EXPECT_EQ(strlen(out.importer), sizeof(out.importer) - 1);
}

UNIT_TEST(json_rejects)
{
	const char *bad[] = {
		"",
		"not json",
		"{\"ts\":1}",
		"{\"ts\":1,\"type\":\"no_such_event\"}",
		"{\"ts\":1,\"type\":\"gem_free\"} trailing",
		"{\"ts\":1,\"type\":\"gem_free\",\"pid\":-3}",
		"{\"ts\":1,\"type\":\"gem_free\",\"kref\":99999999999}",
		"{\"ts\":1,\"type\":\"gem_free\",\"comm\":\"unterminated}",
		"{\"ts\":1,\"type\":\"gem_free\",\"dmabuf\":\"0xzz\"}",
		"{\"ts\":1,\"type\":\"gem_free\"",
		"[1,2,3]",
		/* what is not JSON */
		"{\"ts\":1 \"type\":\"gem_free\"}",
		"{\"ts\":1,\"type\":\"gem_free\",}",
		"{,\"ts\":1,\"type\":\"gem_free\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"x\":[1 2 3]}",
		"{\"ts\":1,\"type\":\"gem_free\",\"x\":[1,2,]}",
		"{\"ts\":1,\"type\":\"gem_free\"}{}",
		"{\"ts\":1,\"type\":\"gem_free\"},",
		"{\"ts\":01,\"type\":\"gem_free\"}",
		"{\"ts\":1.5,\"type\":\"gem_free\"}",
		"{\"ts\":0x10,\"type\":\"gem_free\"}",
		/* numbers as strings, negative or out of range where unsigned */
		"{\"ts\":\"-1\",\"type\":\"gem_free\"}",
		"{\"ts\":\"5\",\"type\":\"gem_free\"}",
		"{\"ts\":-1,\"type\":\"gem_free\"}",
		"{\"ts\":18446744073709551616,\"type\":\"gem_free\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"pid\":4294967296}",
		"{\"ts\":1,\"type\":\"gem_free\",\"handle\":\"1\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"minor\":2147483648}",
		"{\"ts\":1,\"type\":\"gem_free\",\"ret\":9223372036854775808}",
		"{\"ts\":1,\"type\":\"gem_free\",\"obj\":5}",
		"{\"ts\":1,\"type\":\"gem_free\",\"obj\":\"5\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"obj\":\"-0x1\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"obj\":\"0x10000000000000000\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"flags\":\"0x100000000\"}",
		/* strings a C string cannot hold */
		"{\"ts\":1,\"type\":\"gem_free\",\"comm\":\"a\\u0000b\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"kstack\":\"a\\u0000b\"}",
		"{\"ts\":1,\"type\":\"gem_\\u0000free\"}",
		"{\"ts\":1,\"type\":\"gem_free\",\"kstack\":null}",
		/* a summary, then more */
		"{\"type\":\"summary\",\"duration\":1.0} x",
		"{\"type\":\"summary\",\"duration\":1.0}}",
		"{\"type\":\"summary\",\"duration\":1.0,}",
		"{\"type\":\"summary\",\"drops_by_cpu\":[1 2]}",
		"{\"type\":\"summary\",\"drops_by_cpu\":[-1]}",
		"{\"type\":\"summary\",\"missed\":\"-1\"}",
		"{\"type\":\"summary\",\"duration\":1e999}",
		"{\"type\":\"summary\",\"hooks\":{\"dma_buf_get\":{\"calls\":-1}}}",
	};
	struct pt_record rec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pt_summary sum = { 0 };
		char why[128] = "unset";

		if (pt_record_parse_json_why(bad[i], &rec, &sum, why, sizeof(why)) != -EINVAL) {
			printf("accepted: %s\n", bad[i]);
			EXPECT(!"a malformed line is refused");
		}
		/* with a reason, and nothing left to free */
		EXPECT(why[0] && strcmp(why, "unset") && !strchr(why, '\n'));
		EXPECT(rec.kstack == NULL && rec.ustack == NULL);
		pt_summary_free(&sum);
	}
	/* unknown keys and hooks are skipped: newer files stay readable */
	EXPECT_EQ(pt_record_parse_json("{\"ts\":5,\"type\":\"gem_free\",\"hook\":\"future_fn\","
				       "\"new\":{\"a\":[1,{\"b\":null}]},\"minor\":3}",
				       &rec, NULL),
		  0);
	EXPECT_EQ(rec.ev.ts, 5);
	EXPECT_EQ(rec.ev.hook, PT_HOOK_NONE);
	EXPECT_EQ(rec.ev.minor, 3);
	EXPECT_EQ(rec.ev.fd, -1);
	EXPECT_EQ(rec.ev.kref, -1);
	pt_record_free(&rec);
}

/* the reason names the key and the column, for FILE:LINE: REASON */
UNIT_TEST(json_says_why)
{
	const struct {
		const char *line, *why;
	} cases[] = {
		{ "{\"ts\":\"-1\",\"type\":\"gem_free\"}",
		  "\"ts\": a number given as a string (column 7)" },
		{ "{\"ts\":-1,\"type\":\"gem_free\"}",
		  "\"ts\": negative where an unsigned number is expected (column 7)" },
		{ "{\"type\":\"gem_free\",\"pid\":4294967296}",
		  "\"pid\": number out of range (column 26)" },
		{ "{\"ts\":1 \"type\":\"gem_free\"}", "expected ',' or '}' (column 9)" },
		{ "{\"type\":\"gem_free\",\"x\":[1 2 3]}", "expected ',' or ']' (column 27)" },
		{ "{\"type\":\"gem_free\"} x", "garbage after the object (column 21)" },
		{ "{\"type\":\"summary\"} x", "garbage after the object (column 20)" },
		{ "{\"type\":\"gem_free\",\"comm\":\"a\\u0000\"}",
		  "\"comm\": \\u0000 in a string (column 29)" },
		{ "{\"type\":\"no_such\"}", "\"type\": unknown event type (column 9)" },
		{ "{\"ts\":1}", "no \"type\" (column 9)" },
		{ "{\"type\":\"gem_free\",\"obj\":5}",
		  "\"obj\": expected a \"0x...\" string (column 26)" },
		{ "not json", "expected an object (column 1)" },
		{ "{\"type\":\"summary\",\"drops_by_cpu\":[-1]}",
		  "\"drops_by_cpu\": negative where an unsigned number is expected (column 35)" },
	};
	struct pt_record rec;
	char why[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(pt_record_parse_json_why(cases[i].line, &rec, NULL, why, sizeof(why)),
			  -EINVAL);
		if (strcmp(why, cases[i].why)) {
			printf("%s: got '%s', want '%s'\n", cases[i].line, why, cases[i].why);
			EXPECT(!"the reason");
		}
	}
	/* truncated, never overflowed; NULL wants none */
	EXPECT_EQ(pt_record_parse_json_why("{\"ts\":-1,\"type\":\"gem_free\"}", &rec, NULL, why, 8),
		  -EINVAL);
	EXPECT_STR(why, "\"ts\": n");
	EXPECT_EQ(pt_record_parse_json_why("x", &rec, NULL, NULL, 0), -EINVAL);
}

/* every line says its format first; a reader takes its own and older, never newer */
UNIT_TEST(json_format_version)
{
	const struct {
		const char *line, *why;
	} newer[] = {
		{ "{\"format\":2,\"ts\":1,\"type\":\"gem_free\"}",
		  "\"format\": written by a newer primetrace (this one reads format 1 and older) "
		  "(column 11)" },
		{ "{\"ts\":1,\"type\":\"gem_free\",\"format\":99}",
		  "\"format\": written by a newer primetrace (this one reads format 1 and older) "
		  "(column 36)" },
		{ "{\"format\":2,\"type\":\"summary\",\"duration\":1.0}",
		  "\"format\": written by a newer primetrace (this one reads format 1 and older) "
		  "(column 11)" },
		{ "{\"type\":\"summary\",\"format\":2}",
		  "\"format\": written by a newer primetrace (this one reads format 1 and older) "
		  "(column 28)" },
		{ "{\"format\":0,\"type\":\"gem_free\"}",
		  "\"format\": not a format version (they count from 1) (column 11)" },
		{ "{\"format\":\"1\",\"type\":\"gem_free\"}",
		  "\"format\": a number given as a string (column 11)" },
	};
	static const char first[] = "{\"format\":1,\"ts\":0,\"type\":\"gem_free\"";
	struct pt_summary sum = { 0 };
	struct pt_record rec = { 0 };
	char *buf = NULL, why[160];
	size_t len = 0;
	FILE *m;

	for (size_t i = 0; i < sizeof(newer) / sizeof(newer[0]); i++) {
		EXPECT_EQ(pt_record_parse_json_why(newer[i].line, &rec, &sum, why, sizeof(why)),
			  -EINVAL);
		if (strcmp(why, newer[i].why)) {
			printf("%s: got '%s', want '%s'\n", newer[i].line, why, newer[i].why);
			EXPECT(!"the reason");
		}
	}
	EXPECT(!sum.have);
	/* the current format and none at all (older recordings) are read alike */
	EXPECT_EQ(pt_record_parse_json("{\"format\":1,\"ts\":3,\"type\":\"gem_free\"}", &rec, NULL),
		  0);
	EXPECT_EQ(rec.ev.ts, 3);
	EXPECT_EQ(pt_record_parse_json("{\"ts\":3,\"type\":\"gem_free\"}", &rec, NULL), 0);
	EXPECT_EQ(
	    pt_record_parse_json("{\"format\":1,\"type\":\"summary\",\"missed\":4}", &rec, &sum),
	    1);
	EXPECT_EQ(sum.missed, 4);
	/* the writer puts it first, in events and summaries */
	m = open_memstream(&buf, &len);
	pt_event_init(&rec.ev);
	rec.ev.type = PT_EV_GEM_FREE;
	pt_print_json(m, &rec);
	pt_print_summary_json(m, &sum);
	fclose(m);
	EXPECT(!strncmp(buf, first, sizeof(first) - 1));
	EXPECT(strstr(buf, "\n{\"format\":1,\"type\":\"summary\","));
	free(buf);
	pt_summary_free(&sum);
}

/* a stack of arrays deep enough to overflow a recursive skipper's stack */
UNIT_TEST(deep_nesting_is_refused)
{
	const char *head = "{\"type\":\"gem_free\",\"x\":";
	size_t n = 200000, hl = strlen(head);
	char *line = malloc(hl + n + 2);
	struct pt_record rec;
	char why[128];

	memcpy(line, head, hl);
	memset(line + hl, '[', n);
	strcpy(line + hl + n, "\n");
	EXPECT_EQ(pt_record_parse_json_why(line, &rec, NULL, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "nested deeper than 64") != NULL);
	/* in a summary too */
	memcpy(line, "{\"type\":\"summary\",\"x\":", hl);
	EXPECT_EQ(pt_record_parse_json(line, &rec, NULL), -EINVAL);
	free(line);
}

/* a stack read before "type":"summary" was leaked (LeakSanitizer) */
UNIT_TEST(summary_line_keeps_no_stack)
{
	struct pt_summary sum = { 0 };
	struct pt_record rec;

	EXPECT_EQ(pt_record_parse_json("{\"kstack\":\"a\",\"type\":\"summary\"}", &rec, &sum), 1);
	EXPECT(rec.kstack == NULL && rec.ustack == NULL);
	EXPECT(sum.have);
	EXPECT_EQ(pt_record_parse_json("{\"kstack\":\"a\",\"type\":\"summary\"}", &rec, NULL), 1);
	EXPECT(rec.kstack == NULL);
	EXPECT_EQ(pt_record_parse_json("{\"ustack\":\"a\",\"kstack\":\"b\",\"type\":\"summary\"} x",
				       &rec, NULL),
		  -EINVAL);
	EXPECT(rec.kstack == NULL && rec.ustack == NULL);
	pt_summary_free(&sum);
}

/* every line of every recording kept in tests/unit/data reads back, and reads back as written */
UNIT_TEST(every_recording_parses)
{
	char dir[2 * PATH_MAX], path[3 * PATH_MAX];
	int files = 0, lines = 0;
	struct dirent *d;
	DIR *dp;

	EXPECT(unit_data_path("", dir, sizeof(dir)) != NULL);
	dp = opendir(dir);
	EXPECT(dp != NULL);
	while (dp && (d = readdir(dp))) {
		size_t nl = strlen(d->d_name), cap = 0;
		char *line = NULL;
		long lineno = 0;
		FILE *f;

		if (nl < 6 || strcmp(d->d_name + nl - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		f = fopen(path, "r");
		EXPECT(f != NULL);
		files++;
		while (f && getline(&line, &cap, f) > 0) {
			struct pt_summary sum = { 0 };
			struct pt_record rec, again;
			char why[128], *buf = NULL;
			size_t len = 0;
			FILE *m;
			int r;

			lineno++;
			r = pt_record_parse_json_why(line, &rec, &sum, why, sizeof(why));
			if (r < 0) {
				printf("%s:%ld: %s\n", d->d_name, lineno, why);
				EXPECT(!"a recorded line parses");
				continue;
			}
			lines++;
			m = open_memstream(&buf, &len);
			if (r == 1)
				pt_print_summary_json(m, &sum);
			else
				pt_print_json(m, &rec);
			fclose(m);
			if (r == 0) {
				EXPECT_EQ(pt_record_parse_json(buf, &again, NULL), 0);
				EXPECT(!memcmp(&again.ev, &rec.ev, sizeof(rec.ev)));
				EXPECT(!rec.kstack == !again.kstack);
				EXPECT(!rec.kstack || !strcmp(rec.kstack, again.kstack));
				pt_record_free(&again);
				pt_record_free(&rec);
			} else {
				struct pt_summary sum2 = { 0 };

				EXPECT_EQ(pt_record_parse_json(buf, &again, &sum2), 1);
				EXPECT(!memcmp(sum2.events, sum.events, sizeof(sum.events)));
				EXPECT(!memcmp(sum2.how, sum.how, sizeof(sum.how)));
				pt_summary_free(&sum2);
			}
			pt_summary_free(&sum);
			free(buf);
		}
		free(line);
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	EXPECT(files >= 20);
	EXPECT(lines > 1000);
}

/* a summary read from a recording is written back as JSON, whatever its strings hold */
UNIT_TEST(summary_escapes_how)
{
	const char *line =
	    "{\"type\":\"summary\",\"hooks\":{\"dma_buf_get\":{\"how\":\"a\\\"\\u0001\","
	    "\"calls\":3}}}";
	struct pt_summary sum = { 0 }, again = { 0 };
	struct pt_record rec;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	EXPECT_EQ(pt_record_parse_json(line, &rec, &sum), 1);
	EXPECT_STR(sum.how[PT_HOOK_DMA_BUF_GET], "a\"\x01");
	m = open_memstream(&buf, &len);
	pt_print_summary_json(m, &sum);
	fclose(m);
	EXPECT_EQ(pt_record_parse_json(buf, &rec, &again), 1);
	EXPECT_STR(again.how[PT_HOOK_DMA_BUF_GET], "a\"\x01");
	EXPECT_EQ(again.calls[PT_HOOK_DMA_BUF_GET], 3);
	free(buf);
	pt_summary_free(&sum);
	pt_summary_free(&again);
}

/* any duration read is written in a form that reads back */
UNIT_TEST(summary_huge_duration)
{
	const char *lines[] = { "{\"type\":\"summary\",\"duration\":1e100}",
				"{\"type\":\"summary\",\"duration\":-1.7976931348623157e308}" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct pt_summary sum = { 0 }, again = { 0 };
		struct pt_record rec;
		char *buf = NULL;
		size_t len = 0;
		FILE *m;

		EXPECT_EQ(pt_record_parse_json(lines[i], &rec, &sum), 1);
		m = open_memstream(&buf, &len);
		pt_print_summary_json(m, &sum);
		fclose(m);
		EXPECT_EQ(pt_record_parse_json(buf, &rec, &again), 1);
		EXPECT(again.duration == sum.duration);
		free(buf);
	}
}

/*
 * A summary line that fails leaves the summary as it was: an out-of-range
 * duration, stored before the range check, was written as "inf" (not JSON)
 * with the next summary.
 */
UNIT_TEST(failed_summary_changes_nothing)
{
	struct pt_summary sum = { 0 };
	struct pt_record rec;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	EXPECT_EQ(pt_record_parse_json("{\"type\":\"summary\",\"duration\":2.5,\"missed\":4,"
				       "\"drops_by_cpu\":[1,2]}",
				       &rec, &sum),
		  1);
	EXPECT_EQ(pt_record_parse_json("{\"type\":\"summary\",\"missed\":9,\"drops_by_cpu\":[7],"
				       "\"duration\":9.7e54615}",
				       &rec, &sum),
		  -EINVAL);
	EXPECT(sum.duration == 2.5);
	EXPECT_EQ(sum.missed, 4);
	EXPECT(sum.ncpus == 2 && sum.drops_by_cpu[1] == 2);
	/* a good line without drops_by_cpu keeps them; one with them replaces them */
	EXPECT_EQ(pt_record_parse_json("{\"type\":\"summary\",\"missed\":5}", &rec, &sum), 1);
	EXPECT(sum.ncpus == 2 && sum.missed == 5 && sum.duration == 2.5);
	EXPECT_EQ(pt_record_parse_json("{\"type\":\"summary\",\"drops_by_cpu\":[]}", &rec, &sum),
		  1);
	EXPECT_EQ(sum.ncpus, 0);
	m = open_memstream(&buf, &len);
	pt_print_summary_json(m, &sum);
	fclose(m);
	EXPECT(strstr(buf, "\"duration\":2.500000,") != NULL);
	free(buf);
	pt_summary_free(&sum);
}

/* the overflow run: drops by type, by CPU, and the hook table */
UNIT_TEST(summary_with_drops)
{
	struct recording r;
	__u64 bycpu = 0;

	load("overflow-6.1.json", &r);
	EXPECT_EQ(r.bad, 0);
	EXPECT(r.sum.have);
	EXPECT_EQ(pt_summary_drops(&r.sum), 898);
	EXPECT_EQ(r.sum.drops[PT_EV_PRIME_HANDLE_TO_FD] + r.sum.events[PT_EV_PRIME_HANDLE_TO_FD],
		  300);
	EXPECT_EQ(r.sum.calls[PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL], 300);
	EXPECT_EQ(r.sum.ncpus, 2);
	for (unsigned int c = 0; c < r.sum.ncpus; c++)
		bycpu += r.sum.drops_by_cpu[c];
	EXPECT_EQ(bycpu, 898);
	EXPECT_STR(r.sum.how[PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF], "missing");
	EXPECT_STR(r.sum.how[PT_HOOK_GEM_PRIME_IMPORT], "covered");
	EXPECT_STR(r.sum.how[PT_HOOK_DMA_BUF_RELEASE], "fentry");
	unload(&r);
}

/* the summary written is the summary read */
UNIT_TEST(summary_round_trip)
{
	struct recording r;
	struct pt_summary again = { 0 };
	struct pt_record rec;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	load("overflow-6.1.json", &r);
	EXPECT_EQ(r.sum.missed, 0); /* recorded before the field existed */
	r.sum.missed = 187;
	m = open_memstream(&buf, &len);
	pt_print_summary_json(m, &r.sum);
	fclose(m);
	EXPECT_EQ(pt_record_parse_json(buf, &rec, &again), 1);
	EXPECT_EQ(again.missed, 187);
	EXPECT(!memcmp(again.events, r.sum.events, sizeof(again.events)));
	EXPECT(!memcmp(again.drops, r.sum.drops, sizeof(again.drops)));
	EXPECT(!memcmp(again.calls, r.sum.calls, sizeof(again.calls)));
	EXPECT(!memcmp(again.how, r.sum.how, sizeof(again.how)));
	EXPECT_EQ(again.ncpus, r.sum.ncpus);
	pt_summary_free(&again);
	free(buf);
	unload(&r);
}

static int count_matching(const struct recording *r, const struct pt_filter *f)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += pt_filter_match(f, &r->recs[i].ev);
	return n;
}

UNIT_TEST(filters)
{
	struct pt_filter f;
	struct recording r;
	int all, vgem, vprime;

	load("e2e-6.1.json", &r);
	pt_filter_init(&f);
	all = count_matching(&r, &f);
	EXPECT_EQ(all, r.n);

	EXPECT_EQ(pt_parse_dev("vgem", &f), 0);
	vgem = count_matching(&r, &f);
	EXPECT(vgem > 0 && vgem < all);
	for (int i = 0; i < r.n; i++) {
		const struct pt_event *e = &r.recs[i].ev;

		if (pt_filter_match(&f, e))
			EXPECT(!strcmp(e->driver, "vgem") || !strcmp(e->exp_driver, "vgem"));
	}
	/* card0 is vgem's node in that run: the same events */
	pt_filter_init(&f);
	EXPECT_EQ(pt_parse_dev("card0", &f), 0);
	EXPECT_EQ(f.minor, 0);
	EXPECT_EQ(count_matching(&r, &f), vgem);

	pt_filter_init(&f);
	EXPECT_EQ(pt_parse_dev("vprime", &f), 0);
	vprime = count_matching(&r, &f);
	EXPECT(vprime > vgem);

	pt_filter_init(&f);
	f.tgid = r.recs[0].ev.pid;
	EXPECT_EQ(count_matching(&r, &f), all);
	f.tgid++;
	EXPECT_EQ(count_matching(&r, &f), 0);

	pt_filter_init(&f);
	snprintf(f.comm, sizeof(f.comm), "prime_workload");
	EXPECT_EQ(count_matching(&r, &f), all);
	snprintf(f.comm, sizeof(f.comm), "prime_workloa");
	EXPECT_EQ(count_matching(&r, &f), 0);
	unload(&r);
}

UNIT_TEST(parse_dev)
{
	struct pt_filter f;

	pt_filter_init(&f);
	EXPECT_EQ(pt_parse_dev("2", &f), 0);
	EXPECT_EQ(f.minor, 2);
	pt_filter_init(&f);
	EXPECT_EQ(pt_parse_dev("card12", &f), 0);
	EXPECT_EQ(f.minor, 12);
	pt_filter_init(&f);
	EXPECT_EQ(pt_parse_dev("amdgpu", &f), 0);
	EXPECT_STR(f.driver, "amdgpu");
	EXPECT_EQ(f.minor, -1);
	/* nodes that need the system to resolve */
	EXPECT_EQ(pt_parse_dev("renderD128", &f), 1);
	EXPECT_EQ(pt_parse_dev("/dev/dri/card1", &f), 1);
	EXPECT_EQ(pt_parse_dev("", &f), -EINVAL);
	EXPECT_EQ(pt_parse_dev("a_driver_name_far_too_long", &f), -EINVAL);
	EXPECT_EQ(pt_parse_dev("99999999", &f), -EINVAL);
}

UNIT_TEST(parse_size)
{
	__u64 v = 0;

	EXPECT_EQ(pt_parse_size("4096", &v), 0);
	EXPECT_EQ(v, 4096);
	EXPECT_EQ(pt_parse_size("256K", &v), 0);
	EXPECT_EQ(v, 256 << 10);
	EXPECT_EQ(pt_parse_size("8m", &v), 0);
	EXPECT_EQ(v, 8 << 20);
	EXPECT_EQ(pt_parse_size("1G", &v), 0);
	EXPECT_EQ(v, 1ULL << 30);
	EXPECT_EQ(pt_parse_size("1000", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("2048", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("3K", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("8G", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("-4096", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("4K4", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("", &v), -EINVAL);
	EXPECT_EQ(pt_parse_size("99999999999999999999", &v), -EINVAL);
}

/* one aligned line per event, the device named as driver:minor */
UNIT_TEST(text_output)
{
	struct pt_record rec = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	sample_event(&rec.ev);
	snprintf(rec.ev.comm, sizeof(rec.ev.comm), "app");
	m = open_memstream(&buf, &len);
	pt_print_text_header(m);
	pt_print_text(m, &rec, rec.ev.ts - 1500000000ULL);
	fclose(m);
	EXPECT(!strncmp(buf, "TIME(s)", 7));
	EXPECT(strstr(buf, "\n1.500000    42      app              prime_fd_to_handle   vprime:3"));
	EXPECT(strstr(buf, " 99      4096      5      7    -22   obj=0xffff888000001000 kref=1"));
	EXPECT(strstr(buf, " exporter=vgem:0 importer=vprime.1/faux_driver flags=0x80002"));
	EXPECT(strstr(buf, " [drm_prime_fd_to_handle_ioctl]\n"));
	free(buf);
}

UNIT_TEST(names)
{
	for (int t = 1; t < PT_EV_MAX; t++) {
		EXPECT(pt_event_name(t) != NULL);
		EXPECT_EQ(pt_event_type(pt_event_name(t)), t);
	}
	for (int h = 1; h < PT_HOOK_MAX; h++) {
		EXPECT(pt_hook_name(h) != NULL);
		EXPECT_EQ(pt_hook_id(pt_hook_name(h)), h);
	}
	EXPECT(pt_event_name(PT_EV_MAX) == NULL);
	EXPECT_EQ(pt_event_type("summary"), -1);
}

int main(void)
{
	UNIT_RUN(decode_recording_6_1);
	UNIT_RUN(decode_recording_7_3);
	UNIT_RUN(decode_export_fields);
	UNIT_RUN(decode_7_3_import);
	UNIT_RUN(json_round_trip);
	UNIT_RUN(raw_to_json_and_back);
	UNIT_RUN(raw_decode_rejects);
	UNIT_RUN(json_rejects);
	UNIT_RUN(summary_with_drops);
	UNIT_RUN(summary_round_trip);
	UNIT_RUN(filters);
	UNIT_RUN(parse_dev);
	UNIT_RUN(parse_size);
	UNIT_RUN(text_output);
	UNIT_RUN(names);
	UNIT_RUN(json_says_why);
	UNIT_RUN(json_format_version);
	UNIT_RUN(deep_nesting_is_refused);
	UNIT_RUN(summary_line_keeps_no_stack);
	UNIT_RUN(every_recording_parses);
	UNIT_RUN(summary_escapes_how);
	UNIT_RUN(summary_huge_duration);
	UNIT_RUN(failed_summary_changes_nothing);
	UNIT_EXIT();
}
