"""The console's pages, one module per topic; each exports `router(console)`."""
