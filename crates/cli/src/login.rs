//! `login` and `logout`.

use crate::Context;
use crate::args::Login;
use crate::failure::Failure;
use crate::store::{self, Saved};
use std::io::{BufRead, IsTerminal, Write};

/// Signs in (or up), then saves the token, or prints it with `--print`.
pub async fn login(ctx: &Context, login: Login) -> Result<(), Failure> {
    let password = password(login.password_stdin)?;
    let mut client = ctx.client()?;
    let user = match &login.name {
        Some(name) => client.sign_up(name, &login.email, &password).await?,
        None => client.sign_in(&login.email, &password).await?,
    };
    let token = client
        .token()
        .ok_or_else(|| Failure("the server sent no token".to_owned()))?
        .to_owned();
    if login.print {
        println!("{token}");
        return Ok(());
    }
    let path = store::save(&Saved {
        url: ctx.url.clone(),
        token,
    })
    .map_err(Failure)?;
    eprintln!(
        "Signed in to {} as {} <{}>; the session is saved in {}.",
        ctx.url,
        user.name,
        user.email,
        path.display()
    );
    Ok(())
}

/// Signs out and forgets the saved session.
pub async fn logout(ctx: &Context) -> Result<(), Failure> {
    if let Ok(mut client) = ctx.signed_in() {
        // A server that cannot be reached is no reason to keep the token on disk.
        if let Err(e) = client.sign_out().await {
            eprintln!("duet-cli: signing out: {}", Failure::from(e).0);
        }
    }
    store::forget().map_err(Failure)?;
    eprintln!("Signed out.");
    Ok(())
}

/// The password: the first line of stdin, `DUET_PASSWORD`, or typed at a prompt.
fn password(from_stdin: bool) -> Result<String, Failure> {
    if !from_stdin {
        if let Ok(password) = std::env::var("DUET_PASSWORD") {
            return Ok(password);
        }
        // A person at a terminal types it unseen; a script pipes it in.
        if std::io::stdin().is_terminal() {
            let password = rpassword::prompt_password("Password: ")
                .map_err(|e| Failure(format!("reading the password: {e}")))?;
            return non_empty(password);
        }
        eprint!("Password: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure(format!("reading the password: {e}")))?;
    non_empty(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn non_empty(password: String) -> Result<String, Failure> {
    if password.is_empty() {
        return Err(Failure("no password given".to_owned()));
    }
    Ok(password)
}
