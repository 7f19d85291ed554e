use proc_macro::TokenStream; #[proc_macro_derive(Model, attributes(model, field))] pub fn d(_: TokenStream) -> TokenStream { TokenStream::new() }
