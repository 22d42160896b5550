/** Every Redis key the domain uses, in one place (the cache adds the process's key prefix). */
export const cacheKeys = {
  product: (id: string) => `product:${id}`,
  productPage: (after: string | undefined, limit: number) =>
    `products:after:${after ?? ''}:limit:${limit}`,
  storedOrder: (id: string) => `order:${id}`,
  pendingOrder: (id: string) => `order:pending:${id}`,
};
