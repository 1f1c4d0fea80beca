// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace features: what this kernel offers. It sets the BPF side up
 * exactly as 'trace' would, so the table shows what a trace would really
 * use, then tears it down.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm.h>

#include "options.h"
#include "pt_features.h"
#include "json_writer.h"

struct drm_node {
	char name[32];
	char driver[64];
};

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int cmp_node(const void *a, const void *b)
{
	const struct drm_node *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* the DRM driver's own name, as DRM_IOCTL_VERSION gives it */
static void node_driver(const char *node, char *name, size_t len)
{
	struct drm_version v = { 0 };
	char path[64];
	int fd;

	copy_str(name, len, "?");
	snprintf(path, sizeof(path), "/dev/dri/%s", node);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	v.name = name;
	v.name_len = len - 1;
	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		copy_str(name, len, "?");
	else
		name[v.name_len < len ? v.name_len : len - 1] = '\0';
	close(fd);
}

/* the primary nodes in /sys/class/drm and their drivers */
static int list_nodes(struct drm_node *nodes, int max)
{
	DIR *dir = opendir("/sys/class/drm");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		const char *p = de->d_name + 4;

		/* cardN, not the connectors (cardN-HDMI-A-1) */
		if (strncmp(de->d_name, "card", 4) || !*p || strspn(p, "0123456789") != strlen(p))
			continue;
		copy_str(nodes[n].name, sizeof(nodes[n].name), de->d_name);
		node_driver(nodes[n].name, nodes[n].driver, sizeof(nodes[n].driver));
		n++;
	}
	closedir(dir);
	qsort(nodes, n, sizeof(*nodes), cmp_node);
	return n;
}

static const char *hook_how(const struct pt_kernel *pk, int id)
{
	const struct pt_hook_state *st = &pk->hooks[id];

	/* without privileges nothing was tried: say only what is there */
	if (!pk->privileged && st->how != PT_HOW_MISSING && st->how != PT_HOW_COVERED)
		return "present";
	return pt_how_name(st->how, pt_hook_descs[id].at_exit);
}

static const char *hook_note(const struct pt_kernel *pk, int id, char *buf, size_t len)
{
	const struct pt_hook_state *st = &pk->hooks[id];
	const struct pt_hook_desc *d = &pt_hook_descs[id];

	if (st->how == PT_HOW_MISSING && d->drm && !pk->drm_loaded)
		return "drm is not loaded";
	if (st->how == PT_HOW_MISSING && strcmp(d->module, "vmlinux") && strcmp(d->module, "drm") &&
	    access("/sys/module/", F_OK) == 0) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/module/%s", d->module);
		if (access(path, F_OK)) {
			snprintf(buf, len, "%s is not loaded", d->module);
			return buf;
		}
	}
	if (st->how == PT_HOW_COVERED) {
		snprintf(buf, len, "seen through %s", pt_hook_name(d->alt_of));
		return buf;
	}
	if (pk->privileged && *pt_hook_why(pk, id, buf, len))
		return buf;
	return d->note ?: "";
}

static void print_text(const struct pt_kernel *pk, const char *btf, struct drm_node *nodes,
		       int nnodes)
{
	int counts[PT_HOW_FAILED + 1] = { 0 };
	char buf[96];

	printf("kernel:      %s\n", pk->release);
	printf("btf:         %s\n", pk->have_btf ? btf : "not found");
	printf("privileges:  %s\n",
	       pk->privileged ? "yes" : "no (CAP_BPF and CAP_PERFMON, or root, are needed)");
	if (!pk->privileged)
		printf("fentry:      untested\n");
	else if (pk->fentry_ok)
		printf("fentry:      yes\n");
	else
		printf("fentry:      no (%s)\n", pt_errstr(pk->fentry_err));
	printf("kprobes:     %s\n", pk->kprobe_ok ? "yes" : "no (no kprobe PMU nor kprobe_events)");
	printf("drm:         %s\n", pk->drm_loaded ? "loaded" : "not loaded");
	printf("devices:    ");
	for (int i = 0; i < nnodes; i++)
		printf(" %s(%s)", nodes[i].name, nodes[i].driver);
	printf("%s\n", nnodes ? "" : " none");
	printf("tracepoints: dma_buf:* %s\n",
	       pk->dmabuf_tracepoints ? "present (--attach tracepoint uses them)" : "absent");
	printf("\n%-34s %-17s %-9s %s\n", "HOOK", "WHERE", "HOW", "NOTE");
	for (int id = 1; id < PT_HOOK_MAX; id++) {
		const struct pt_hook_state *st = &pk->hooks[id];

		counts[st->how]++;
		printf("%-34s %-17s %-9s %s\n", pt_hook_name(id), st->where ?: "-",
		       hook_how(pk, id), hook_note(pk, id, buf, sizeof(buf)));
	}
	if (pk->privileged)
		printf("\n%d attached with fentry/fexit, %d with kprobes, %d with tracepoints, "
		       "%d covered by another hook, %d missing, %d failed\n",
		       counts[PT_HOW_FENTRY], counts[PT_HOW_KPROBE], counts[PT_HOW_TRACEPOINT],
		       counts[PT_HOW_COVERED], counts[PT_HOW_MISSING], counts[PT_HOW_FAILED]);
}

static void print_json(const struct pt_kernel *pk, const char *btf, struct drm_node *nodes,
		       int nnodes)
{
	struct jw w;
	char buf[96];

	jw_init(&w, stdout);
	jw_document_begin(&w);
	jw_field_string(&w, "kernel", pk->release);
	jw_name(&w, "btf");
	if (pk->have_btf)
		jw_string(&w, btf);
	else
		jw_null(&w);
	jw_field_bool(&w, "privileged", pk->privileged);
	jw_field_bool(&w, "fentry", pk->fentry_ok);
	jw_field_bool(&w, "kprobes", pk->kprobe_ok);
	jw_field_bool(&w, "drm_loaded", pk->drm_loaded);
	jw_field_bool(&w, "dmabuf_tracepoints", pk->dmabuf_tracepoints);
	jw_name(&w, "devices");
	jw_array_begin(&w);
	for (int i = 0; i < nnodes; i++) {
		jw_object_begin(&w);
		jw_field_string(&w, "node", nodes[i].name);
		jw_field_string(&w, "driver", nodes[i].driver);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_name(&w, "hooks");
	jw_array_begin(&w);
	for (int id = 1; id < PT_HOOK_MAX; id++) {
		const struct pt_hook_state *st = &pk->hooks[id];

		jw_object_begin(&w);
		jw_field_string(&w, "func", pt_hook_name(id));
		jw_name(&w, "where");
		if (st->where)
			jw_string(&w, st->where);
		else
			jw_null(&w);
		jw_field_string(&w, "how", hook_how(pk, id));
		jw_field_string(&w, "note", hook_note(pk, id, buf, sizeof(buf)));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
}

int pt_features(const struct pt_trace_opts *opts, bool json)
{
	const char *btf = opts->btf_path ?: "/sys/kernel/btf/vmlinux";
	struct drm_node nodes[64];
	struct pt_kernel pk;
	int err, nnodes;

	err = pt_probe_attach(opts, &pk);
	nnodes = list_nodes(nodes, 64);
	if (json)
		print_json(&pk, btf, nodes, nnodes);
	else
		print_text(&pk, btf, nodes, nnodes);
	return err;
}

/* --- the command ------------------------------------------------------------ */

static const char features_doc[] =
    "Show how primetrace hooks this kernel: for every function, where it lives\n"
    "(vmlinux or a module), how it attaches (fentry, fexit, kprobe, kretprobe),\n"
    "or why not (missing, failed); the BTF found, whether DRM is loaded, and the\n"
    "DRM devices. Hooks of a module that is not loaded attach when asked again\n"
    "once it is.\n"
    "\n"
    "USAGE: primetrace features [-j] [--attach MODE] [--btf FILE]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace features\n"
    "    primetrace features --attach kprobe   # what the kprobe fallback gives\n"
    "\v";

static struct features_env {
	struct pt_trace_opts opts;
	bool json;
} features_env;

static const struct argp_option features_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object", 0 },
	{ 0 },
};

static error_t parse_features(int key, char *arg, struct argp_state *state)
{
	struct features_env *env = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->opts;
		break;
	case 'j':
		env->json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child kernel_child[] = {
	{ &pt_kernel_argp, 0, NULL, 0 },
	{ &pt_help_argp, 0, NULL, -1 },
	{ 0 },
};

static const struct argp features_argp = {
	.options = features_options,
	.parser = parse_features,
	.doc = features_doc,
	.children = kernel_child,
};

int pt_features_parse(int argc, char **argv)
{
	struct features_env *env = &features_env;

	memset(env, 0, sizeof(*env));
	pt_trace_opts_init(&env->opts);
	return pt_argp_parse(&features_argp, argc, argv, 0, env);
}

int pt_features_run(void)
{
	struct features_env *env = &features_env;
	int ret = pt_features(&env->opts, features_env.json) ? PT_EXIT_ERROR : PT_EXIT_OK;

	return pt_output_close(stdout, NULL) ?: ret;
}
