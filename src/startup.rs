//! Building and running the server: used by `kentai serve` and by the
//! integration tests (`spawn_app` binds port 0 on a temporary database).

use crate::actions::{users, Ctx};
use crate::config::Config;
use crate::scanning::ScanService;
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use kentai_drivers::supervisor::{Opener, SystemOpener};
use std::net::TcpListener;
use std::sync::Arc;

pub struct Application {
    port: u16,
    server: Server,
    ctx: Ctx,
    scans: Arc<ScanService>,
    admin_token: Option<String>,
    /// The watched results folder's thread runs while this is held.
    _folder: Option<crate::import_folder::FolderWatch>,
    analyzers: crate::analyzers::AnalyzerLinks,
    /// The printers' workers run while this is held.
    _printers: crate::printing::PrintWorkers,
}

/// The server's TLS settings when `[security]` names a certificate and
/// its key (PEM files), else `None` (plain HTTP).
pub fn tls_config(
    security: &crate::config::Security,
) -> anyhow::Result<Option<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (Some(cert), Some(key)) = (&security.tls_cert, &security.tls_key) else {
        return Ok(None);
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("security.tls_cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("security.tls_cert {}: no certificate in it", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("security.tls_key {}: {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| anyhow::anyhow!("security.tls_cert and tls_key do not make a pair: {e}"))?;
    Ok(Some(config))
}

/// Raises the soft limit on open files to the hard one (a server holds a
/// descriptor per connection, and the usual soft limit of 1,024 is soon
/// reached), and returns the limit in force, when known.
fn raise_open_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => {
            tracing::info!(open_files = n, "open-file limit raised to the hard limit");
            Some(n)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the open-file limit could not be raised");
            rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft)
        }
    }
}

impl Application {
    /// Opens and migrates the database, creates the first admin on an empty
    /// one, and binds the listener (`config.bind`, port 0 for any free one).
    pub fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with_opener(config, Arc::new(SystemOpener))
    }

    /// As [`Application::build`], opening scanners through `opener` (tests
    /// replay recorded reports through a fake one).
    pub fn build_with_opener(
        config: Config,
        opener: Arc<dyn Opener>,
    ) -> anyhow::Result<Application> {
        let store = Store::open(&config.database)?;
        let migrated = crate::actions::audit::migrate(&store)?;
        if migrated.sealed > 0 {
            tracing::info!(
                sealed = migrated.sealed,
                "audit rows from before the hash chain linked into it"
            );
        }
        if migrated.baseline {
            tracing::info!("the records snapshotted into the audit chain");
        }
        if migrated.left_unrecorded {
            tracing::error!(
                "the records differed from the audit chain before migrating: \
                 what the migrations changed is left unrecorded; run kentai audit verify"
            );
        }
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot bind {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let ctx = Ctx::new(store, config)?;
        let adopted = users::adopt_unassigned(&ctx)?;
        if adopted > 0 {
            tracing::info!(
                adopted,
                facility = ctx.facility(),
                "rows from before facilities given to this site's facility"
            );
        }
        let admin_token = users::bootstrap_admin(&ctx)?;
        // Scans journalled by an earlier run are processed before anything
        // new is read.
        let scans = ScanService::start(&ctx)?;
        if ctx.config.scanning.start_scanners {
            scans.start_devices(opener)?;
        }
        let folder = crate::import_folder::start(&ctx)?;
        // Messages an earlier run journalled are processed before the
        // analysers' lines open.
        let analyzers = crate::analyzers::start(&ctx)?;
        // Jobs a stopped run left `sending` are queued again first.
        let printers = crate::printing::start(&ctx)?;
        let analyzer_data = web::Data::new(analyzers.clone());
        let data = web::Data::new(ctx.clone());
        let limiter = web::Data::new(crate::http::limit::AuthLimiter::new(
            ctx.config.security.auth_failures_per_minute,
            std::time::Duration::from_secs(60),
        ));
        let scan_data = web::Data::new(scans.clone());
        let open_files = raise_open_file_limit();
        let intake = web::Data::from(crate::http::intake::Intake::new(
            &ctx.config.limits,
            open_files,
        ));
        tracing::info!(
            open_files,
            connections = intake.connections(),
            "connections all clients together may hold"
        );
        let limits = ctx.config.limits.clone();
        let server = HttpServer::new(move || {
            let app = App::new()
                .app_data(intake.clone())
                // Inside the language scope, so its answers are in the
                // reader's language.
                .wrap(middleware::from_fn(crate::http::intake::admit))
                .wrap(crate::http::lang::Negotiate)
                .wrap(middleware::from_fn(crate::http::security_headers::add))
                .wrap(middleware::from_fn(crate::http::redact::forget_error))
                // The request line without query values or patient numbers
                // (`http::redact`): the access log holds no patient data.
                .wrap(
                    middleware::Logger::new("%a \"%{request}xi\" %s %b %Dms")
                        .custom_request_replace("request", crate::http::redact::request_line)
                        .log_target("kentai::http"),
                )
                .app_data(data.clone())
                .app_data(scan_data.clone())
                .app_data(analyzer_data.clone())
                .app_data(limiter.clone());
            crate::http::register(app).configure(crate::web::configure)
        })
        // A client that has not sent its request head in time gets 408 and
        // is let go, so idle or trickling connections cannot pile up; the
        // body's own deadline is `http::intake`'s.
        .client_request_timeout(std::time::Duration::from_secs_f64(
            limits.request_head_seconds,
        ))
        // Each new connection carries the slot `http::intake` counts it by.
        .on_connect(|_, extensions| {
            extensions.insert(crate::http::intake::ConnectionSlot::default());
        })
        .client_disconnect_timeout(std::time::Duration::from_secs(2));
        let server = match tls_config(&ctx.config.security)? {
            Some(tls) => server.listen_rustls_0_23(listener, tls)?,
            None => server.listen(listener)?,
        }
        .run();
        Ok(Application {
            port,
            server,
            ctx,
            scans,
            admin_token,
            _folder: folder,
            analyzers,
            _printers: printers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    pub fn scans(&self) -> &Arc<ScanService> {
        &self.scans
    }

    pub fn analyzers(&self) -> &crate::analyzers::AnalyzerLinks {
        &self.analyzers
    }

    /// The first admin's token when this start created it (shown once).
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        // Readers stop before the process ends, so no scan is half-handled
        // while the runtime goes away.
        self.scans.stop_devices();
        result
    }
}
