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
        store.migrate()?;
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot bind {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let ctx = Ctx::new(store, config)?;
        let admin_token = users::bootstrap_admin(&ctx)?;
        // Scans journalled by an earlier run are processed before anything
        // new is read.
        let scans = ScanService::start(&ctx)?;
        if ctx.config.scanning.start_scanners {
            scans.start_devices(opener)?;
        }
        let data = web::Data::new(ctx.clone());
        let scan_data = web::Data::new(scans.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms").log_target("kentai::http"))
                .app_data(data.clone())
                .app_data(scan_data.clone())
                .configure(crate::http::configure)
                .configure(crate::web::configure)
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            ctx,
            scans,
            admin_token,
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
