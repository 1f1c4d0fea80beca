// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Leak reports from recorded runs. tests/unit/data/leaks-*.json were
 * written in the VM on 6.1 by 'primetrace record -S -K -U' while
 * tests/vm/leaky (or prime_workload) ran one mode, with vprime's fault
 * knob set for the fault modes; stacks were kept on the events that
 * create, export, import and free, and dropped from the others (the model
 * takes its stacks from those):
 *
 *   clean, workload  nothing leaks
 *   import           leaky import: an unclosed import handle (pid 191)
 *   scm              leaky scm: a buffer left in flight (pid 216)
 *   export           leaky --count 20 export (pid 242)
 *   reimport         leaky reimport with import_bypass_cache on (pid 266)
 *   extra-ref        leaky fault with export_extra_ref on (pid 291)
 *   skip-destroy     leaky fault with import_skip_prime_destroy on (pid 316)
 *
 * Each replays into the lifetime model as 'leaks --input' does, and must
 * give exactly its suspects with the right culprit and stacks. The
 * workload run also draws a perfetto timeline, which must be well-formed
 * JSON with a slice per buffer.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "json.h"
#include "model.h"
#include "perfetto.h"
#include "snapshot.h"

/* replay a recording into a new model; NULL when it cannot be read */
static struct pm_model *replay(const char *name, unsigned int max, struct pt_perfetto *pf)
{
	struct pt_summary sum = { 0 };
	struct pm_model *m;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = unit_open_data(name);
	bool frees = false;

	if (!f)
		return NULL;
	m = pm_model_new(max);
	if (pf)
		pt_perfetto_follow(pf, m);
	while (m && getline(&line, &cap, f) > 0) {
		struct pt_record rec;
		int r = pt_record_parse_json(line, &rec, &sum);

		if (r < 0) {
			pm_model_free(m);
			m = NULL;
			break;
		}
		if (r == 0) {
			pm_model_feed(m, &rec);
			pt_record_free(&rec);
		}
	}
	free(line);
	fclose(f);
	if (m) {
		pm_model_note_drops(m, pt_summary_drops(&sum));
		frees = !strcmp(sum.how[PT_HOOK_GEM_OBJECT_RELEASE], "fentry");
		if (!frees)
			pm_model_note_no_free(m);
	}
	pt_summary_free(&sum);
	return m;
}

static bool stack_has(const struct pm_str *st, const char *frame)
{
	return st && strstr(st->s, frame);
}

UNIT_TEST(clean_runs_report_nothing)
{
	const char *names[] = { "leaks-clean.json", "leaks-workload.json" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pm_model *m = replay(names[i], 0, NULL);
		struct pm_suspect *s = NULL;
		struct pm_stats st;
		int n;

		EXPECT(m != NULL);
		if (!m)
			continue;
		n = unit_leaks(m, &s);
		EXPECT_EQ(n, 0);
		pm_model_stats(m, &st);
		/* everything the workload made is gone again */
		EXPECT_EQ(st.bufs, 0);
		EXPECT_EQ(st.objs, 0);
		EXPECT_EQ(st.handles, 0);
		EXPECT(st.events > 30);
		EXPECT_EQ(pm_model_incomplete(m), 0);
		pm_suspects_free(m, s, n);
		pm_model_free(m);
	}
}

UNIT_TEST(unclosed_import_handle)
{
	struct pm_model *m = replay("leaks-import.json", 0, NULL);
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_IMPORT_HANDLE);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 191);
		EXPECT_STR(o->comm, "leaky");
		EXPECT(!o->pid_exited);
		EXPECT_EQ(o->handle, 1);
		EXPECT_EQ(o->size, 65536);
		EXPECT_STR(o->driver, "vprime");
		EXPECT(stack_has(o->ustack, "leak_import_handle+0x"));
		EXPECT(stack_has(o->ustack, "drmPrimeFDToHandle+0x"));
		EXPECT(stack_has(o->kstack, "drm_gem_prime_fd_to_handle+0x"));
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(buffer_left_in_flight)
{
	struct pm_model *m = replay("leaks-scm.json", 0, NULL);
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_BUF);
	EXPECT(o != NULL);
	if (o) {
		/* the exporter, not the child that mapped the first buffer */
		EXPECT_EQ(o->pid, 216);
		EXPECT(!o->pid_exited);
		EXPECT(stack_has(o->ustack, "scm_send_frames+0x"));
		EXPECT(stack_has(o->kstack, "vprime_gem_export+0x"));
		EXPECT(strstr(o->evidence, "still runs") != NULL);
	}
	/* the child exited holding nothing: forgotten; the first buffer, which it mapped, is gone
	 */
	EXPECT(pm_model_proc(m, 217) == NULL);
	EXPECT_EQ(pm_model_proc(m, 216)->live_exports, 1);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(exports_that_only_grow)
{
	struct pm_model *m = replay("leaks-export.json", 0, NULL);
	struct pm_leak_opts strict = { .growth = 21 };
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_EXPORT_GROWTH);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 242);
		EXPECT_EQ(o->count, 20);
		EXPECT_EQ(o->bytes, 20 * 65536);
		EXPECT(stack_has(o->ustack, "leak_export_loop+0x"));
		EXPECT(stack_has(o->kstack, "drm_gem_prime_handle_to_fd+0x"));
	}
	pm_suspects_free(m, s, n);
	/* below the threshold it is not reported */
	n = pm_model_leaks(m, &strict, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(reimported_handle_after_handle)
{
	struct pm_model *m = replay("leaks-reimport.json", 0, NULL);
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_REIMPORT);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 266);
		EXPECT_EQ(o->count, 4);
		EXPECT_EQ(o->handle, 4);
		EXPECT(stack_has(o->ustack, "reimport_loop+0x"));
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(object_outlives_its_export)
{
	struct pm_model *m = replay("leaks-extra-ref.json", 0, NULL);
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_OBJ);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 291);
		EXPECT(o->pid_exited);
		EXPECT_STR(o->driver, "vprime");
		/* the export took the extra reference: its stack names the driver */
		EXPECT(stack_has(o->kstack, "vprime_gem_export+0x"));
		EXPECT(stack_has(o->ustack, "fault_sequence+0x"));
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(import_freed_without_teardown)
{
	struct pm_model *m = replay("leaks-skip-destroy.json", 0, NULL);
	const struct pm_suspect *o;
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 3);
	EXPECT(n >= 1 && s[0].kind == PM_LEAK_NO_TEARDOWN);
	o = unit_find_kind(s, n, PM_LEAK_NO_TEARDOWN);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 316);
		EXPECT(stack_has(o->kstack, "vprime_gem_import_free+0x"));
		EXPECT(stack_has(o->ustack, "fault_sequence+0x"));
	}
	o = unit_find_kind(s, n, PM_LEAK_ATTACH_AT_FREE);
	EXPECT(o != NULL && o->pid == 316);
	/* the exporter exited and nothing holds the buffer, yet it lives */
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_BUF);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 316);
		EXPECT(o->pid_exited);
		EXPECT(strstr(o->evidence, "exited") != NULL);
		EXPECT(stack_has(o->ustack, "fault_sequence+0x"));
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(min_age_on_a_recording)
{
	struct pm_model *m = replay("leaks-import.json", 0, NULL);
	struct pm_leak_opts old = { .min_age_ns = 1000000000ULL };
	struct pm_leak_opts young = { .min_age_ns = 3600000000000ULL };
	struct pm_suspect *s = NULL;
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	n = pm_model_leaks(m, &old, &s);
	EXPECT_EQ(unit_count_kind(s, n, PM_LEAK_OLD), 1);
	pm_suspects_free(m, s, n);
	n = pm_model_leaks(m, &young, &s);
	EXPECT_EQ(unit_count_kind(s, n, PM_LEAK_OLD), 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(bound_on_a_recording)
{
	struct pm_model *m = replay("leaks-export.json", 32, NULL);
	struct pm_suspect *s = NULL;
	struct pm_stats st;
	char why[256];
	int n;

	EXPECT(m != NULL);
	if (!m)
		return;
	pm_model_stats(m, &st);
	EXPECT(st.entries <= 32);
	EXPECT(st.untracked > 0);
	EXPECT(pm_model_incomplete(m) & PM_INC_BOUND);
	pm_model_incomplete_text(m, why, sizeof(why));
	EXPECT(strstr(why, "bound of 32") != NULL);
	n = unit_leaks(m, &s);
	EXPECT(n >= 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(lost_events_say_so)
{
	struct pm_model *m = replay("leaks-clean.json", 0, NULL);
	char why[256];

	EXPECT(m != NULL);
	if (!m)
		return;
	pm_model_note_drops(m, 3);
	EXPECT(pm_model_incomplete(m) & PM_INC_DROPS);
	pm_model_incomplete_text(m, why, sizeof(why));
	EXPECT(strstr(why, "3 events lost") != NULL);
	pm_model_free(m);
}

/* --- snapshot records -------------------------------------------------------- */

static int collect_rec(const struct pt_record *rec, void *ctx)
{
	struct pt_record *out = ctx;
	int i = 0;

	while (out[i].ev.type)
		i++;
	if (i < 3)
		out[i] = *rec;
	return 0;
}

UNIT_TEST(bufinfo_lists_buffers)
{
	/* dma_buf_debug_show()'s format, 5.x to 7.x */
	static const char text[] =
	    "\nDma-buf Objects:\n"
	    "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	    "00065536\t00000002\t00080005\t00000003\tdrm\t00000005\t<none>\n"
	    "\tAttached Devices:\n\tvprime.1\nTotal 1 devices attached\n\n"
	    "00004096\t00000000\t00080007\t00000001\tsystem\t00000006\tframe\n"
	    "\tAttached Devices:\nTotal 0 devices attached\n\n"
	    "\nTotal 2 objects, 69632 bytes\n";
	struct pt_record recs[4] = { 0 };
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	EXPECT(f != NULL);
	if (!f)
		return;
	EXPECT_EQ(pt_bufinfo_parse(f, 42, collect_rec, recs), 2);
	fclose(f);
	EXPECT_EQ(recs[0].ev.type, PT_EV_SNAP_BUF);
	EXPECT_EQ(recs[0].ev.ino, 5);
	EXPECT_EQ(recs[0].ev.size, 65536);
	EXPECT_EQ(recs[0].ev.file_count, 3);
	EXPECT_EQ(recs[0].ev.dmabuf, PT_INO_KEY(5));
	EXPECT_EQ(recs[0].ev.ts, 42);
	EXPECT_STR(recs[0].ev.exp_name, "drm");
	EXPECT_EQ(recs[1].ev.ino, 6);
	EXPECT_STR(recs[1].ev.exp_name, "system");
	/* not bufinfo at all */
	f = fmemopen((void *)"hello\n", 6, "r");
	EXPECT(f && pt_bufinfo_parse(f, 42, collect_rec, recs) == -EINVAL);
	if (f)
		fclose(f);
}

UNIT_TEST(iterator_records_become_events)
{
	struct pt_snap_rec r = { 0 };
	struct pt_record rec;

	r.kind = PT_SNAPREC_FD;
	r.pid = 77;
	memcpy(r.comm, "holder", 7);
	r.fd = 9;
	r.dmabuf = 0xffff888000001000ULL;
	r.ino = 12;
	r.size = 8192;
	r.file_count = 2;
	r.ctime_sec = 100;
	r.ctime_nsec = 5;
	r.exp_obj = 0xffff888000002000ULL;
	r.exp_handle_count = 1;
	r.exp_kref = 3;
	r.exp_minor = 128;
	memcpy(r.exp_driver, "vprime", 7);
	memcpy(r.exp_name, "drm", 4);
	/* CLOCK_MONOTONIC is 50 s behind CLOCK_REALTIME */
	pt_snap_to_record(&r, 60000000000ULL, -50000000000LL, &rec);
	EXPECT_EQ(rec.ev.type, PT_EV_SNAP_FD);
	EXPECT_EQ(rec.ev.pid, 77);
	EXPECT_STR(rec.ev.comm, "holder");
	EXPECT_EQ(rec.ev.fd, 9);
	EXPECT_EQ(rec.ev.born, 50000000005ULL);
	EXPECT_EQ(rec.ev.handle_count, 1); /* the exporter's */
	EXPECT_EQ(rec.ev.kref, 3);
	EXPECT_EQ(rec.ev.exp_minor, 128);
	EXPECT_STR(rec.ev.exp_driver, "vprime");
	EXPECT_EQ(rec.ev.obj, 0);

	r.kind = PT_SNAPREC_HANDLE;
	r.file = 0xffff888000003000ULL;
	r.handle = 4;
	r.obj = 0xffff888000004000ULL;
	r.obj_size = 8192;
	r.kref = 1;
	r.handle_count = 1;
	r.attach = 0xffff888000005000ULL;
	r.minor = 129;
	memcpy(r.driver, "vgem", 5);
	r.ctime_sec = 0;
	pt_snap_to_record(&r, 60000000000ULL, -50000000000LL, &rec);
	EXPECT_EQ(rec.ev.type, PT_EV_SNAP_HANDLE);
	EXPECT_EQ(rec.ev.handle, 4);
	EXPECT_EQ(rec.ev.obj, 0xffff888000004000ULL);
	EXPECT_EQ(rec.ev.kref, 1); /* the object's own */
	EXPECT_EQ(rec.ev.attach, 0xffff888000005000ULL);
	EXPECT_STR(rec.ev.driver, "vgem");
	EXPECT_EQ(rec.ev.born, 0);
}

/* --- the timeline ------------------------------------------------------------ */

struct slices {
	int begins, ends, instants, names, alive;
	int mmap, attach;
	bool ok;
};

/* walk one event object of traceEvents */
static int check_event(struct json_in *in, struct slices *sl)
{
	char key[32], ph[8] = "", name[128] = "";
	bool has_ts = false, has_pid = false;
	int r;

	if (json_object_begin(in))
		return -1;
	while ((r = json_object_next(in, key, sizeof(key))) == 1) {
		if (!strcmp(key, "ph")) {
			if (json_read_string(in, ph, sizeof(ph)))
				return -1;
		} else if (!strcmp(key, "name")) {
			if (json_read_string(in, name, sizeof(name)))
				return -1;
		} else if (!strcmp(key, "ts")) {
			double d;

			if (json_read_double(in, &d) || d < 0)
				return -1;
			has_ts = true;
		} else if (!strcmp(key, "pid")) {
			uint64_t v;

			if (json_read_u64(in, &v))
				return -1;
			has_pid = true;
		} else if (json_skip_value(in)) {
			return -1;
		}
	}
	if (r < 0 || !has_pid)
		return -1;
	if (!strcmp(ph, "b") && has_ts)
		sl->begins++;
	else if (!strcmp(ph, "e") && has_ts)
		sl->ends++;
	else if (!strcmp(ph, "i") && has_ts)
		sl->instants++;
	else if (!strcmp(ph, "M"))
		sl->names++;
	else
		return -1;
	if (!strncmp(name, "dmabuf_mmap", 11))
		sl->mmap++;
	if (!strncmp(name, "dmabuf_attach", 13))
		sl->attach++;
	return 0;
}

static void check_timeline(const char *path, struct slices *sl)
{
	char *text = NULL, key[32];
	size_t cap = 0;
	struct json_in in = { 0 };
	FILE *f = fopen(path, "r");
	int r;

	memset(sl, 0, sizeof(*sl));
	if (!f || getdelim(&text, &cap, '\0', f) <= 0) {
		if (f)
			fclose(f);
		free(text);
		return;
	}
	fclose(f);
	in.p = text;
	if (json_object_begin(&in))
		goto out;
	while ((r = json_object_next(&in, key, sizeof(key))) == 1) {
		if (strcmp(key, "traceEvents")) {
			if (json_skip_value(&in))
				goto out;
			continue;
		}
		if (json_array_begin(&in))
			goto out;
		while ((r = json_array_next(&in)) == 1)
			if (check_event(&in, sl))
				goto out;
		if (r < 0)
			goto out;
	}
	sl->ok = r == 0 && json_at_end(&in);
out:
	free(text);
}

UNIT_TEST(perfetto_timeline)
{
	char path[] = "/tmp/primetrace-timeline-XXXXXX";
	struct pt_perfetto *pf;
	struct pm_model *m;
	struct slices sl;
	int fd = mkstemp(path);

	EXPECT(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	pf = pt_perfetto_open(path);
	EXPECT(pf != NULL);
	if (!pf)
		goto out;
	m = replay("leaks-workload.json", 0, pf);
	EXPECT(m != NULL);
	if (!m)
		goto out;
	EXPECT_EQ(pt_perfetto_close(pf, m, pm_model_now(m)), 0);
	pm_model_free(m);
	check_timeline(path, &sl);
	EXPECT(sl.ok);
	/* prime_workload exports three buffers (vprime, vgem, vprime) ... */
	EXPECT(sl.begins >= 3);
	/* ...every slice ends, and processes are named */
	EXPECT_EQ(sl.begins, sl.ends);
	EXPECT(sl.names >= 1);
	EXPECT(sl.mmap >= 1);
	EXPECT(sl.attach >= 3);
out:
	unlink(path);
}

UNIT_TEST(perfetto_closes_open_slices)
{
	char path[] = "/tmp/primetrace-timeline-XXXXXX";
	struct pt_perfetto *pf;
	struct pm_model *m;
	struct slices sl;
	int fd = mkstemp(path);

	EXPECT(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	pf = pt_perfetto_open(path);
	m = pf ? replay("leaks-export.json", 0, pf) : NULL;
	EXPECT(m != NULL);
	if (!m)
		goto out;
	EXPECT_EQ(pt_perfetto_close(pf, m, pm_model_now(m)), 0);
	pm_model_free(m);
	check_timeline(path, &sl);
	EXPECT(sl.ok);
	/* twenty leaked buffers still alive at the end: closed there */
	EXPECT(sl.begins >= 20);
	EXPECT_EQ(sl.begins, sl.ends);
out:
	unlink(path);
}

/* names come from the kernel or a recording: the timeline stays JSON whatever they hold */
UNIT_TEST(perfetto_escapes_names)
{
	const char *lines[] = {
		"{\"ts\":1000,\"type\":\"dmabuf_export\",\"pid\":5,\"comm\":\"q\\\"\\u0001\","
		"\"dmabuf\":\"0x10\",\"ino\":7,\"size\":4096,"
		"\"exp_name\":"
		"\"\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff"
		"\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00"
		"ff"
		"\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\u00ff\\\"\\\\\"}",
		"{\"ts\":2000,\"type\":\"dmabuf_export\",\"pid\":5,\"dmabuf\":\"0x20\",\"ino\":8,"
		"\"exp_driver\":\"a\\\"b\\n\"}",
	};
	char path[] = "/tmp/primetrace-timeline-XXXXXX";
	struct pt_perfetto *pf;
	struct pm_model *m;
	struct slices sl;
	int fd = mkstemp(path);

	EXPECT(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	pf = pt_perfetto_open(path);
	m = pm_model_new(0);
	EXPECT(pf && m);
	if (!pf || !m)
		goto out;
	pt_perfetto_follow(pf, m);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct pt_record r;

		EXPECT_EQ(pt_record_parse_json(lines[i], &r, NULL), 0);
		pm_model_feed(m, &r);
		pt_record_free(&r);
	}
	EXPECT_EQ(pt_perfetto_close(pf, m, 3000), 0);
	check_timeline(path, &sl);
	EXPECT(sl.ok);
	EXPECT_EQ(sl.begins, 2);
	EXPECT_EQ(sl.ends, 2);
out:
	pm_model_free(m);
	unlink(path);
}

UNIT_TEST(perfetto_bad_path)
{
	errno = 0;
	EXPECT(pt_perfetto_open("/nonexistent/dir/t.json") == NULL);
	EXPECT_EQ(errno, ENOENT);
}

int main(void)
{
	UNIT_RUN(clean_runs_report_nothing);
	UNIT_RUN(unclosed_import_handle);
	UNIT_RUN(buffer_left_in_flight);
	UNIT_RUN(exports_that_only_grow);
	UNIT_RUN(reimported_handle_after_handle);
	UNIT_RUN(object_outlives_its_export);
	UNIT_RUN(import_freed_without_teardown);
	UNIT_RUN(min_age_on_a_recording);
	UNIT_RUN(bound_on_a_recording);
	UNIT_RUN(lost_events_say_so);
	UNIT_RUN(bufinfo_lists_buffers);
	UNIT_RUN(iterator_records_become_events);
	UNIT_RUN(perfetto_timeline);
	UNIT_RUN(perfetto_closes_open_slices);
	UNIT_RUN(perfetto_escapes_names);
	UNIT_RUN(perfetto_bad_path);
	UNIT_EXIT();
}
