"""Card payments: the port the booking saga uses (`port.PaymentProvider`), its HTTP client
(`client.PaymentsClient`), typed errors, and a simulated provider (`simulator.create_app`)."""
