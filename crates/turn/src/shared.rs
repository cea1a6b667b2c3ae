//! State shared by the gates, the relays and the server handle.

use crate::auth::RestAuth;
use crate::local::LocalRelays;
use crate::policy::PeerPolicy;
use crate::quota::Quotas;
use crate::ration::Ration;
use crate::stats::Stats;
use std::sync::Arc;

/// Everything the server's parts consult or count, behind one `Arc`.
pub(crate) struct Shared {
    pub(crate) auth: Arc<RestAuth>,
    pub(crate) realm: String,
    pub(crate) policy: PeerPolicy,
    pub(crate) quotas: Quotas,
    pub(crate) stats: Stats,
    pub(crate) local_relays: LocalRelays,
    pub(crate) challenges: Ration,
}
