import type { Express, NextFunction, Request, Response } from 'express';
import { AppError } from '@flowstack/errors';
import { getOrder, placeOrder, type GetOrderDeps, type PlaceOrderDeps } from '@flowstack/domain';

export interface OrderRouteDeps extends PlaceOrderDeps, GetOrderDeps {
  /** Read on every request, so a live config change (Consul KV) takes effect at once. */
  acceptingOrders(): boolean;
}

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('application/json')) {
    next(
      new AppError('Send the order as application/json.', {
        status: 415,
        code: 'unsupported-media-type',
      }),
    );
    return;
  }
  next();
}

export function registerOrderRoutes(app: Express, deps: OrderRouteDeps): void {
  app.post('/v1/orders', requireJson, async (req, res) => {
    if (!deps.acceptingOrders()) {
      throw AppError.unavailable('Orders are not being accepted right now.', 60);
    }
    const { orderId } = await placeOrder(deps, {
      idempotencyKey: req.get('idempotency-key'),
      body: req.body as unknown,
    });
    res
      .status(202)
      .location(`/v1/orders/${orderId}`)
      .json({ id: orderId, status: 'accepted', links: { self: `/v1/orders/${orderId}` } });
  });

  app.get('/v1/orders/:id', async (req, res) => {
    const order = await getOrder(deps, req.params.id);
    res.json(order);
  });
}
