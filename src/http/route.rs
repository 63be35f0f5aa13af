//! Routes of the API registered once, with their description: each
//! handler's `#[utoipa::path]` gives the path and method it is served
//! at, and the OpenAPI document at `/api/openapi.json` is gathered from
//! these registrations (utoipa-actix-web), so the document lists exactly
//! the routes the app serves.

use super::error::ErrorBody;
use actix_web::dev::{
    AppService, HttpServiceFactory, ServiceFactory, ServiceRequest, ServiceResponse,
};
use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, Responder};
use std::marker::PhantomData;
use utoipa::openapi::path::{HttpMethod, Operation, Paths};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;
use utoipa_actix_web::{scope::Scope, OpenApiFactory};

/// One operation: `P` is the `#[utoipa::path]` description of the
/// handler (`module::__path_handler`), which says where it is served.
pub struct Api<P> {
    resource: actix_web::Resource,
    description: PhantomData<P>,
}

impl<P: utoipa::Path> Api<P> {
    /// The handler at the path and method its description gives. The
    /// method guards the resource, as `Scope::route(path, web::get()…)`
    /// does: another method finds no route here and falls through to
    /// the scope's answer for an unknown route.
    pub fn to<F, Args>(handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let methods: Vec<Method> = P::methods().iter().map(method).collect();
        let resource = web::resource(P::path())
            .guard(guard::fn_guard(move |ctx| {
                methods.contains(&ctx.head().method)
            }))
            .route(web::route().to(handler));
        Api {
            resource,
            description: PhantomData,
        }
    }

    /// Data for this route's extractors only (a larger body limit, …).
    pub fn app_data<U: 'static>(self, data: U) -> Self {
        Api {
            resource: self.resource.app_data(data),
            description: PhantomData,
        }
    }
}

fn method(m: &HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

impl<P> HttpServiceFactory for Api<P> {
    fn register(self, config: &mut AppService) {
        self.resource.register(config);
    }
}

impl<P> OpenApiFactory for Api<P>
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences + utoipa::__dev::Tags<'static>,
{
    fn paths(&self) -> Paths {
        let mut operation = P::operation();
        let tags = P::tags();
        if !tags.is_empty() {
            operation
                .tags
                .get_or_insert_with(Vec::new)
                .extend(tags.into_iter().map(str::to_string));
        }
        P::methods()
            .into_iter()
            .fold(Paths::builder(), |paths, method| {
                let item = utoipa::openapi::PathItem::new(method, operation.clone());
                paths.path(P::path(), item)
            })
            .build()
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        P::schemas(schemas);
    }
}

/// Routes that answer only a bearer token (or a page's session), and are
/// described so: `auth::require_token` guards them, and each of their
/// operations declares the `bearer` scheme and its 401 answer.
pub struct BehindToken<S>(S);

/// The `scope` guarded by `auth::require_token`.
pub fn behind_token<T>(scope: Scope<T>) -> BehindToken<impl HttpServiceFactory + OpenApiFactory>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
{
    BehindToken(scope.wrap(actix_web::middleware::from_fn(super::auth::require_token)))
}

impl<S: HttpServiceFactory> HttpServiceFactory for BehindToken<S> {
    fn register(self, config: &mut AppService) {
        self.0.register(config);
    }
}

impl<S: OpenApiFactory> OpenApiFactory for BehindToken<S> {
    fn paths(&self) -> Paths {
        let mut paths = self.0.paths();
        for item in paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                needs_token(operation);
            }
        }
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.0.schemas(schemas);
    }
}

fn needs_token(operation: &mut Operation) {
    operation.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    operation
        .responses
        .responses
        .entry("401".to_string())
        .or_insert_with(|| {
            utoipa::openapi::ResponseBuilder::new()
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name(
                            ErrorBody::name(),
                        )))
                        .build(),
                )
                .build()
                .into()
        });
}
