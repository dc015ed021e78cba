/**
 * RFC 9111 caching decisions as pure functions over header lists: what may be stored
 * ({@link org.nproxy.cache.policy.Storability}), how fresh it is
 * ({@link org.nproxy.cache.policy.Freshness}), whether it may answer a request
 * ({@link org.nproxy.cache.policy.Servability}), which variant ({@link org.nproxy.cache.policy.Vary}),
 * how to validate and freshen it ({@link org.nproxy.cache.policy.Validation}) and what an unsafe
 * request invalidates ({@link org.nproxy.cache.policy.Invalidation}). No store, no server types:
 * tested section by section without either.
 */
package org.nproxy.cache.policy;
