// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The hash map of userspace/lib: growth, deletion, iteration, its memory. */
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "hashmap.h"

/* a value for key k that is not NULL and says which key it was stored under */
#define VAL(k) ((void *)(unsigned long)((k)*2 + 1))

/* what an owner counts: every byte the map allocated and has not freed */
struct counter {
	size_t bytes;
	int allocs_left; /* -1: no limit */
};

static void *count_alloc(void *ctx, size_t n, size_t size)
{
	struct counter *c = ctx;
	void *p;

	if (!c->allocs_left)
		return NULL;
	if (c->allocs_left > 0)
		c->allocs_left--;
	p = calloc(n, size);
	if (p)
		c->bytes += n * size;
	return p;
}

static void count_free(void *ctx, void *p, size_t bytes)
{
	struct counter *c = ctx;

	c->bytes -= bytes;
	free(p);
}

/* every key lands in the last slot: probes wrap around the table's end */
static __u64 worst_hash(__u64 key)
{
	(void)key;
	return ~0ULL;
}

/* n keys 1..n present with their values, and no other key */
static int holds(const struct pt_map *m, __u64 n)
{
	size_t seen = 0;

	for (__u64 k = 1; k <= n; k++)
		if (pt_map_get(m, k) != VAL(k))
			return 0;
	pt_map_for_each(m, s)
	{
		if (s->key < 1 || s->key > n || s->val != VAL(s->key))
			return 0;
		seen++;
	}
	return seen == n && m->n == n;
}

UNIT_TEST(put_get_replace)
{
	struct pt_map m = PT_MAP_INIT(NULL);

	EXPECT(pt_map_get(&m, 1) == NULL);
	EXPECT_EQ(pt_map_put(&m, 7, VAL(7)), 0);
	EXPECT(pt_map_get(&m, 7) == VAL(7));
	EXPECT_EQ(pt_map_put(&m, 7, VAL(8)), 0);
	EXPECT(pt_map_get(&m, 7) == VAL(8));
	EXPECT_EQ(m.n, 1);
	EXPECT(pt_map_get(&m, 8) == NULL);
	pt_map_release(&m);
	EXPECT(m.cap == 0 && m.n == 0 && pt_map_get(&m, 7) == NULL);
}

UNIT_TEST(refuses_key_0_and_null)
{
	struct pt_map m = PT_MAP_INIT(NULL);

	EXPECT_EQ(pt_map_put(&m, 0, VAL(0)), -EINVAL);
	EXPECT_EQ(pt_map_put(&m, 1, NULL), -EINVAL);
	EXPECT_EQ(m.n, 0);
	EXPECT(pt_map_get(&m, 0) == NULL);
	pt_map_del(&m, 0); /* nothing, no crash on an empty map */
	pt_map_release(&m);
}

/* 64 slots at first, doubled twelve times on the way to 100000 keys */
UNIT_TEST(grows_past_many_resizes)
{
	struct pt_map m = PT_MAP_INIT(NULL);
	const __u64 n = 100000;
	int ok = 1;

	for (__u64 k = 1; k <= n; k++) {
		ok &= !pt_map_put(&m, k, VAL(k));
		/* never more than three quarters full */
		ok &= m.n * 4 <= m.cap * 3;
	}
	EXPECT(ok);
	EXPECT_EQ(m.cap, 262144);
	EXPECT(holds(&m, n));
	pt_map_release(&m);
}

static void delete_reinsert(const char *unit_name, const struct pt_map_ops *ops)
{
	struct pt_map m = PT_MAP_INIT(ops);
	const __u64 n = 40; /* below the first growth: one cluster with worst_hash */
	int ok = 1;

	for (__u64 k = 1; k <= n; k++)
		pt_map_put(&m, k, VAL(k));
	/* every third key goes: the entries probed past each hole move back */
	for (__u64 k = 1; k <= n; k += 3)
		pt_map_del(&m, k);
	for (__u64 k = 1; k <= n; k++)
		ok &= pt_map_get(&m, k) == ((k - 1) % 3 ? VAL(k) : NULL);
	EXPECT(ok);
	EXPECT_EQ(m.n, n - (n + 2) / 3);
	/* deleting what is not there changes nothing */
	pt_map_del(&m, 1);
	pt_map_del(&m, n + 1);
	EXPECT_EQ(m.n, n - (n + 2) / 3);
	for (__u64 k = 1; k <= n; k += 3)
		EXPECT_EQ(pt_map_put(&m, k, VAL(k)), 0);
	EXPECT(holds(&m, n));
	/* all of them, in another order than they came, then all back */
	for (__u64 k = n; k >= 1; k -= 2)
		pt_map_del(&m, k);
	for (__u64 k = 1; k <= n; k += 2)
		pt_map_del(&m, k);
	EXPECT_EQ(m.n, 0);
	pt_map_for_each(&m, s) ok = 0;
	EXPECT(ok);
	for (__u64 k = 1; k <= n; k++)
		pt_map_put(&m, k, VAL(k));
	EXPECT(holds(&m, n));
	pt_map_release(&m);
}

UNIT_TEST(delete_and_reinsert)
{
	delete_reinsert(unit_name, NULL);
}

/* one cluster wrapping around the end of the table: the hardest case of the backward shift */
UNIT_TEST(delete_and_reinsert_colliding)
{
	static const struct pt_map_ops worst = { .hash = worst_hash };

	delete_reinsert(unit_name, &worst);
}

/* random keys, put and deleted at random, against a plain array */
UNIT_TEST(random_against_array)
{
	enum {
		N = 5000
	};
	static __u64 keys[N];
	static int in[N];
	struct pt_map m = PT_MAP_INIT(NULL);
	size_t live = 0;
	int ok = 1;

	srand(1);
	for (int i = 0; i < N; i++)
		keys[i] = ((__u64)rand() << 32 | (unsigned int)rand()) | 1;
	for (int step = 0; step < 200000; step++) {
		int i = rand() % N;

		if (in[i]) {
			pt_map_del(&m, keys[i]);
			live--;
		} else {
			ok &= !pt_map_put(&m, keys[i], VAL(i));
			live++;
		}
		in[i] = !in[i];
	}
	for (int i = 0; i < N; i++)
		ok &= pt_map_get(&m, keys[i]) == (in[i] ? VAL(i) : NULL);
	EXPECT(ok);
	EXPECT_EQ(m.n, live);
	pt_map_release(&m);
}

UNIT_TEST(safe_iteration_deletes)
{
	struct pt_map m = PT_MAP_INIT(NULL);
	size_t visits = 0;

	for (__u64 k = 1; k <= 1000; k++)
		pt_map_put(&m, k, VAL(k));
	pt_map_for_each_safe(&m, char, v)
	{
		pt_map_del(&m, ((unsigned long)v - 1) / 2);
		visits++;
	}
	EXPECT_EQ(visits, 1000);
	EXPECT_EQ(m.n, 0);
	pt_map_release(&m);
}

/* the owner's allocator sees every byte, and a failed growth changes nothing */
UNIT_TEST(memory_counted_and_alloc_failure)
{
	struct counter c = { .allocs_left = -1 };
	struct pt_map_ops ops = { .alloc = count_alloc, .free = count_free, .ctx = &c };
	struct pt_map m = PT_MAP_INIT(&ops);
	__u64 k;

	for (k = 1; k <= 48; k++) /* 64 slots hold 48 */
		pt_map_put(&m, k, VAL(k));
	EXPECT_EQ(c.bytes, pt_map_bytes(&m));
	EXPECT_EQ(c.bytes, 64 * sizeof(struct pt_map_slot));
	c.allocs_left = 0;
	EXPECT_EQ(pt_map_put(&m, 49, VAL(49)), -ENOMEM);
	EXPECT(holds(&m, 48));
	EXPECT_EQ(c.bytes, pt_map_bytes(&m));
	c.allocs_left = -1;
	for (k = 49; k <= 5000; k++)
		pt_map_put(&m, k, VAL(k));
	EXPECT(holds(&m, 5000));
	EXPECT_EQ(c.bytes, pt_map_bytes(&m));
	pt_map_release(&m);
	EXPECT_EQ(c.bytes, 0);
	/* a map that never had a slot allocates nothing when it fails at once */
	c.allocs_left = 0;
	EXPECT_EQ(pt_map_put(&m, 1, VAL(1)), -ENOMEM);
	EXPECT(m.cap == 0 && m.n == 0 && c.bytes == 0);
}

UNIT_TEST(key2_never_zero)
{
	int ok = 1;

	for (__u64 a = 0; a < 100; a++)
		for (__u64 b = 0; b < 100; b++)
			ok &= pt_map_key2(a, b) != 0;
	EXPECT(ok);
	EXPECT(pt_map_key2(1, 2) != pt_map_key2(2, 1));
}

int main(void)
{
	UNIT_RUN(put_get_replace);
	UNIT_RUN(refuses_key_0_and_null);
	UNIT_RUN(grows_past_many_resizes);
	UNIT_RUN(delete_and_reinsert);
	UNIT_RUN(delete_and_reinsert_colliding);
	UNIT_RUN(random_against_array);
	UNIT_RUN(safe_iteration_deletes);
	UNIT_RUN(memory_counted_and_alloc_failure);
	UNIT_RUN(key2_never_zero);
	UNIT_EXIT();
}
