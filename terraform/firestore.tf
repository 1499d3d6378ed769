# Firestore (Native mode). Collections used by the service: eventMarkers, eventChunks, pendingProducts,
# rejections, givenUp, droppedStores, productHistory, and the syncLog subcollection of stores (all with
# an `expireAt` TTL), pendingStores (the store index), flushLeases, stores.

resource "google_firestore_database" "main" {
  name                    = var.firestore_database_id
  location_id             = var.firestore_location_id
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  # The provider's default, spelled out: `terraform destroy` forgets the database but keeps the data.
  deletion_policy = "ABANDON"
  depends_on      = [google_project_service.apis]
}

locals {
  # collection -> whether to exempt expireAt from single-field indexing. The dedupe markers are
  # written on every push; an indexed, ever-increasing timestamp caps a collection at ~500 writes/s,
  # and nothing queries by expireAt. The small ones may be listed by expiry.
  # pendingProducts and eventChunks are written in bursts of hundreds per second too. pendingProducts
  # expire 7 days after their last event: a safety net for stores no sweep settles (the sweep drops
  # the work of uninstalled and unknown stores first).
  # productHistory (one document per product a sync processed, 90 days after its last sync) is written
  # a chunk at a time by the syncs, hundreds per second during a full sync. syncLog is the
  # subcollection stores/{hash}/syncLog: a field override names the collection group, so it covers
  # every store's log (14 days).
  ttl_collections = {
    eventMarkers    = true
    eventChunks     = true
    pendingProducts = true
    productHistory  = true
    rejections      = false
    givenUp         = false
    droppedStores   = false
    syncLog         = false
  }
}

# TTL deletes documents whose `expireAt` (a Timestamp) has passed, typically within 24 h.
resource "google_firestore_field" "expire_at" {
  for_each = local.ttl_collections

  database   = google_firestore_database.main.name
  collection = each.key
  field      = "expireAt"

  ttl_config {}

  dynamic "index_config" {
    for_each = each.value ? [1] : []
    content {}
  }
}

# pendingProducts: the category sync pages through one store's pending records by product id
# (where storeHash == X and productId > last order by productId: keyset pagination, bounded memory).
resource "google_firestore_index" "pending_by_store_product" {
  database    = google_firestore_database.main.name
  collection  = "pendingProducts"
  query_scope = "COLLECTION"

  fields {
    field_path = "storeHash"
    order      = "ASCENDING"
  }

  fields {
    field_path = "productId"
    order      = "ASCENDING"
  }
}

# pendingProducts: the flush reads one store's pending records oldest first
# (where storeHash == X order by lastSeenAt).
resource "google_firestore_index" "pending_by_store" {
  database    = google_firestore_database.main.name
  collection  = "pendingProducts"
  query_scope = "COLLECTION"

  fields {
    field_path = "storeHash"
    order      = "ASCENDING"
  }

  fields {
    field_path = "lastSeenAt"
    order      = "ASCENDING"
  }
}
