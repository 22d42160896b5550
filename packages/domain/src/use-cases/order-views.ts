export interface ProductView {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
}

export interface StoredOrderView {
  id: string;
  status: 'stored';
  totalCents: number;
  currency: string;
  acceptedAt: string;
  storedAt: string;
  /** Masked (a***@example.com); the sealed address never leaves the database. */
  customerEmail?: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

export interface PendingOrderView {
  id: string;
  status: 'pending';
  acceptedAt: string;
}

export type OrderView = StoredOrderView | PendingOrderView;
